// Records script errors and drawn charts in #grokscope-status, for people and for the headless-browser test.
(function () {
  var status = document.getElementById('grokscope-status');
  var errors = [];
  function record(msg) {
    errors.push(String(msg));
    status.setAttribute('data-errors', String(errors.length));
    status.hidden = false;
    status.textContent = 'Script errors: ' + errors.join(' | ');
  }
  window.addEventListener('error', function (e) { record(e.message || e.type); });
  window.addEventListener('unhandledrejection', function (e) { record('unhandled rejection: ' + e.reason); });
  var consoleError = console.error;
  console.error = function () {
    record(Array.prototype.join.call(arguments, ' '));
    consoleError.apply(console, arguments);
  };
  window.grokscopeStatus = {
    error: record,
    drawn: function () {
      status.setAttribute('data-charts', String(Number(status.getAttribute('data-charts')) + 1));
    },
    done: function () { status.setAttribute('data-done', 'true'); }
  };
})();
