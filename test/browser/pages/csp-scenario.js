/* global IDSync */
// The profile-isolation scenario of docs/strategies.md, driven through the loader
// snippet's stub and then the real global, on a page whose CSP allows no
// inline script and no eval. Results go to window.scenario for the test.
(function () {
  'use strict';
  var run = (window.scenario = { steps: [], profiles: {}, done: false, error: null });
  var resolver = null;
  var nextMpid = 1234;
  var dbPrefix = 'csp-' + Date.now() + '-' + Math.random() + '-';

  function record(step, user) {
    run.steps.push({
      step: step,
      mpid: user.mpid,
      isLoggedIn: user.isLoggedIn,
      identities: JSON.parse(JSON.stringify(user.identities)),
    });
  }

  // Before the bundle: the backend is a factory, called once it is loaded.
  IDSync.init({
    backend: function (lib) {
      resolver = new lib.LocalResolver({
        strategy: 'isolation',
        dbName: dbPrefix + 'resolver',
        generateMpid: function () {
          var mpid = String(nextMpid);
          nextMpid += 1111; // 1234, 2345, 3456, 4567
          return mpid;
        },
      });
      return resolver;
    },
    dbName: dbPrefix + 'device',
    identifyOnInit: false,
  });
  var first = [
    IDSync.identify({ userIdentities: { ios_idfv: '9876' } }),
    IDSync.login({
      userIdentities: { customerid: 'ABC123', email: 'ed.hyde@example.com', ios_idfv: '9876' },
    }),
    IDSync.logout({ userIdentities: { ios_idfv: '9876' } }),
  ];

  Promise.all(first)
    .then(async function (results) {
      results.forEach(function (result, i) {
        record(i + 1, result.user);
      });
      // From here on window.IDSync is the real bundle.
      var p3 = await resolver.feed({ email: 'h.jekyll.md@example.com' });
      run.steps.push({ step: 4, mpid: p3.mpid, isLoggedIn: p3.isKnown, identities: p3.identities });
      var back = await IDSync.login({
        userIdentities: { customerid: 'ABC123', email: 'ed.hyde@example.com', ios_idfv: '9876' },
      });
      record(5, back.user);
      var modified = await IDSync.modify({ userIdentities: { email: 'h.jekyll.md@example.com' } });
      record(6, modified.user);
      run.profiles.p3AfterModify = await resolver.profile('3456');

      var roku = await IDSync.createIdentity({
        backend: resolver,
        dbName: dbPrefix + 'roku',
        identifyOnInit: false,
      });
      record(7, (await roku.identify({ userIdentities: { roku_publisher_id: '8765' } })).user);
      record(
        8,
        (
          await roku.login({
            userIdentities: {
              customerid: 'ABC123',
              email: 'h.jekyll.md@example.com',
              roku_publisher_id: '8765',
            },
          })
        ).user,
      );
      run.profiles.p2 = await resolver.profile('2345');
      await roku.close();
    })
    .catch(function (error) {
      run.error = String((error && error.stack) || error);
    })
    .then(function () {
      run.done = true;
    });
})();
