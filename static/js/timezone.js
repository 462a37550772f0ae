// Offers the device's time zone to someone who has not chosen one: the layout's form
// (#timezone-offer, hidden without JavaScript) is shown when the browser reports a zone other
// than the one times are shown in; one click saves it. The account page changes it later.
(function () {
  "use strict";
  var offer = document.getElementById("timezone-offer");
  if (!offer || !window.Intl || !Intl.DateTimeFormat) { return; }
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (error) { return; }
  if (!zone || zone === offer.getAttribute("data-zone")) { return; }
  // The zone's name in the page's language ("Eastern Standard Time", "北美东部标准时间").
  var name = zone;
  try {
    var parts = new Intl.DateTimeFormat(document.documentElement.lang, { timeZone: zone, timeZoneName: "long" })
      .formatToParts(new Date());
    for (var i = 0; i < parts.length; i += 1) {
      if (parts[i].type === "timeZoneName") { name = parts[i].value; }
    }
  } catch (error) { name = zone; }
  offer.querySelector("[data-browser-zone]").value = zone;
  offer.querySelector("[data-zone-name]").textContent = name;
  offer.hidden = false;
})();
