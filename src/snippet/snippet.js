/*
 * idsync-web loader snippet. Paste it in <head> (or host it as a file, for a
 * strict Content-Security-Policy) and set the bundle URL on the last line.
 * It defines a stub `IDSync` at once, loads the bundle with `async`, and
 * records the calls made before it arrives; the bundle replays them in order.
 * ES5 on purpose: it must run wherever the page does.
 */
(function (w, d, src) {
  if (w.IDSync) return;
  var queue = [];
  var failure;
  var stub = { q: queue };
  var names = ['init', 'ready', 'identify', 'login', 'logout', 'modify'];
  var fail = function () {
    failure = new Error('IDSync: the bundle could not be loaded from ' + src);
    // IdentityError does not exist yet; its code lets apps branch the same way.
    failure.code = 'network';
    while (queue.length) queue.shift()[3](failure);
  };
  var record = function (name) {
    stub[name] = function () {
      var args = arguments;
      return new Promise(function (resolve, reject) {
        if (failure) reject(failure);
        else queue.push([name, args, resolve, reject]);
      });
    };
  };
  for (var i = 0; i < names.length; i++) record(names[i]);
  w.IDSync = stub;
  var script = d.createElement('script');
  script.async = true;
  script.src = src;
  script.onerror = fail;
  // A bundle that loaded but did not start (it threw) leaves the stub behind.
  script.onload = function () {
    if (w.IDSync === stub) fail();
  };
  (d.head || d.documentElement).appendChild(script);
})(window, document, '/idsync.iife.js');
