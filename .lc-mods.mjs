import { rollup } from 'rollup';
import { minify } from 'terser';
const b = await rollup({ input: 'src/index.ts', plugins: [(await import('@rollup/plugin-typescript')).default({tsconfig:'./tsconfig.json', declaration:false, outDir:'/tmp/lc-out', sourceMap:false})], external:['idb'], onwarn(){} });
const { output } = await b.generate({ format: 'es', dir:'/tmp/lc-out' });
for (const c of output) { if (c.type!=='chunk') continue; let tot=0; const rows=[];
  for (const [id,m] of Object.entries(c.modules)) { if(!m.code) continue; const r = await minify(m.code,{module:true, compress:false, mangle:false}); rows.push([r.code.length, id.replace(process.cwd(),'')]); tot+=r.code.length; }
  console.log('CHUNK', c.fileName, c.isEntry, tot); rows.sort((a,b)=>b[0]-a[0]); for (const r of rows.slice(0,60)) console.log('  ',r[0], r[1]); }
