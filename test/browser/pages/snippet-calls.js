/* global IDSync */
// Runs right after the loader snippet, while IDSync is still its stub: every
// call below is recorded and replayed by the bundle. Each settlement is
// written to window.settled, in the order the promises settle.
(function () {
  'use strict';
  window.keptStub = window.IDSync;
  window.settled = [];
  window.factoryArgument = null;

  // A trivial scripted backend: a customerid is the known user '2345',
  // anything else the anonymous user '1234'.
  function answer(req) {
    var known = req.knownIdentities.customerid !== undefined;
    return Promise.resolve({
      httpCode: 200,
      mpid: known ? '2345' : '1234',
      isLoggedIn: known,
      matchedIdentities: req.knownIdentities,
    });
  }
  var backend = {
    identify: answer,
    login: answer,
    logout: answer,
    modify: function (mpid, req) {
      var matched = {};
      req.identityChanges.forEach(function (change) {
        if (change.newValue !== null) matched[change.identityType] = change.newValue;
      });
      return Promise.resolve({ httpCode: 200, mpid: mpid, matchedIdentities: matched });
    },
    alias: function () {
      return Promise.resolve({ httpCode: 202 });
    },
  };

  function track(name, promise) {
    promise.then(
      function (value) {
        window.settled.push({
          name: name,
          ok: true,
          mpid: value && value.mpid !== undefined ? value.mpid : null,
          email: value && value.user ? value.user.identities.email || null : null,
        });
      },
      function (error) {
        window.settled.push({
          name: name,
          ok: false,
          errorName: error.name,
          code: error.code || null,
          message: error.message,
        });
      },
    );
  }

  track('identify', IDSync.identify({ userIdentities: { ios_idfv: '9876' } }));
  track(
    'init',
    IDSync.init({
      backend: function (lib) {
        window.factoryArgument = Object.keys(lib).sort().join(',');
        return backend;
      },
      dbName: 'snippet-' + Date.now() + '-' + Math.random(),
      identifyOnInit: false,
    }),
  );
  track('login', IDSync.login({ userIdentities: { customerid: 'ABC123', ios_idfv: '9876' } }));
  track('bad login', IDSync.login({ userIdentities: { no_such_type: 'x' } }));
  track('modify', IDSync.modify({ userIdentities: { email: 'ed.hyde@example.com' } }));
  track('logout', IDSync.logout({ userIdentities: { ios_idfv: '9876' } }));
  track(
    'ready',
    IDSync.ready(function (client) {
      window.readyCallbackGot = typeof client.subscribe;
    }),
  );
})();
