// Quick entry of an incident, on top of a form that works without it: "use my location" fills
// latitude and longitude from the browser's geolocation (shown only where the browser offers
// it, on HTTPS), and each people section's badge shows its total as counts are typed.
// Texts come from the page in its language (data-* attributes).
(function () {
  "use strict";

  function useMyLocation(button) {
    var status = document.getElementById("location-status");
    var latitude = document.getElementById(button.dataset.latitude);
    var longitude = document.getElementById(button.dataset.longitude);
    if (!latitude || !longitude) {
      return;
    }
    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      say(button.dataset.locating);
      navigator.geolocation.getCurrentPosition(
        function (position) {
          latitude.value = position.coords.latitude.toFixed(5);
          longitude.value = position.coords.longitude.toFixed(5);
          var metres = Math.round(position.coords.accuracy || 0);
          say(button.dataset.found.replace("%(metres)s", String(metres)));
          button.disabled = false;
        },
        function (error) {
          say(error && error.code === 1 ? button.dataset.denied : button.dataset.failed);
          button.disabled = false;
        },
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
      );
    });
  }

  function keepTotals(section) {
    var badge = section.querySelector("[data-people-total]");
    var inputs = section.querySelectorAll("input.people-count");
    if (!badge) {
      return;
    }
    section.addEventListener("input", function () {
      var total = 0;
      inputs.forEach(function (input) {
        var value = parseInt(input.value, 10);
        if (value > 0) {
          total += value;
        }
      });
      badge.textContent = String(total);
    });
  }

  function start() {
    var button = document.getElementById("use-my-location");
    if (button && window.isSecureContext && "geolocation" in navigator) {
      useMyLocation(button);
    }
    document.querySelectorAll(".people-section").forEach(keepTotals);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
