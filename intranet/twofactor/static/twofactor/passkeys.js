// Passkeys (WebAuthn) for the second factor: register one from « Second facteur », or use one at the
// verification step. Talks to django-otp-webauthn's JSON endpoints (wrapped in intranet/twofactor/webauthn.py).
(function () {
  "use strict";
  document.querySelectorAll("[data-passkey]").forEach(function (root) {
    const button = root.querySelector("button");
    const status = root.querySelector("[data-passkey-status]");
    const register = root.dataset.passkey === "register";
    const supported =
      window.PublicKeyCredential &&
      typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
      typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";
    if (!supported) {
      status.textContent = root.dataset.unsupported;
      return;
    }
    button.hidden = false;

    function post(url, body) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
        body: JSON.stringify(body),
      });
    }

    async function answer(response) {
      let body = {};
      try {
        body = await response.json();
      } catch (error) {
        body = {};
      }
      if (!response.ok) {
        const refused = new Error(body.detail || root.dataset.failed);
        refused.fromServer = true;
        throw refused;
      }
      return body;
    }

    button.addEventListener("click", async function () {
      button.disabled = true;
      status.textContent = root.dataset.busy;
      try {
        const options = await answer(await post(root.dataset.beginUrl, {}));
        let credential;
        if (register) {
          credential = await navigator.credentials.create({
            publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
          });
        } else {
          credential = await navigator.credentials.get({
            publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
          });
        }
        await answer(await post(root.dataset.completeUrl, credential.toJSON()));
        window.location.assign(root.dataset.doneUrl);
      } catch (error) {
        const cancelled = error && (error.name === "NotAllowedError" || error.name === "AbortError");
        if (error && error.fromServer) {
          status.textContent = error.message;
        } else {
          status.textContent = cancelled ? root.dataset.cancelled : root.dataset.failed;
        }
        button.disabled = false;
      }
    });
  });
})();
