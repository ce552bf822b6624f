/* Asiointipisteen avustaja · Samservicepunktens assistent · Service point assistant: chat widget.
   Embed with <script src="https://APP/widget.js" data-point="POINT" data-lang="fi|sv|en" data-color="#1a5fb4" defer> */
(function (CONFIG, CSS) {
"use strict";
{{ source | safe }}
})({{ config | tojson }}, {{ css | tojson }});
