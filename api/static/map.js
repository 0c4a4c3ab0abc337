/* The ecosystem map page: draws /map/data with Cytoscape.js (vendored, no network beyond this
   server), shows an organisation's details on click, and highlights what /impact says is affected
   if it fails. Everything shown is built with textContent (never innerHTML), so labels from the
   data cannot inject markup. window.srkbMap exposes the graph for the browser tests. */
(function () {
  "use strict";

  var container = document.getElementById("map");
  var details = document.getElementById("details");
  var status = document.getElementById("map-status");
  var legend = document.getElementById("legend");
  var state = { ready: false, cy: null, data: null, selected: null, impact: null };
  window.srkbMap = state;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") {
        node.textContent = attrs[key];
      } else if (key === "className") {
        node.className = attrs[key];
      } else {
        node.setAttribute(key, attrs[key]);
      }
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function pageLink(iri) {
    return "/page?iri=" + encodeURIComponent(iri);
  }

  function style() {
    return [
      {
        selector: "node",
        style: {
          "background-color": "data(colour)",
          shape: "data(shape)",
          label: "data(label)",
          width: 58,
          height: 44,
          "border-width": 1,
          "border-color": "#1a202c",
          "text-valign": "bottom",
          "text-halign": "center",
          "text-margin-y": 6,
          "text-wrap": "wrap",
          "text-max-width": "150px",
          "font-size": 13,
          "font-weight": "bold",
          color: "#1a202c",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.8,
          "text-background-padding": "2px"
        }
      },
      { selector: "node.failing", style: { "border-width": 6, "border-color": "#e53e3e" } },
      {
        selector: "node.warning",
        style: { "border-width": 4, "border-color": "#d69e2e", "border-style": "dashed" }
      },
      {
        selector: "edge",
        style: {
          width: 2,
          "curve-style": "bezier",
          "control-point-step-size": 60,
          "line-color": "#718096",
          "target-arrow-color": "#718096",
          "target-arrow-shape": "triangle",
          "arrow-scale": 1.2,
          label: "data(label)",
          "font-size": 10,
          color: "#2d3748",
          "text-rotation": "autorotate",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.85,
          "text-background-padding": "2px"
        }
      },
      {
        selector: "node.selected",
        style: { "overlay-color": "#3182ce", "overlay-opacity": 0.25, "overlay-padding": 8 }
      },
      { selector: ".dimmed", style: { opacity: 0.2 } },
      {
        selector: "node.impacted",
        style: {
          "underlay-color": "#f6ad55",
          "underlay-opacity": 0.9,
          "underlay-padding": 12,
          "underlay-shape": "ellipse"
        }
      },
      {
        selector: "node.impact-source",
        style: {
          "underlay-color": "#c53030",
          "underlay-opacity": 0.6,
          "underlay-padding": 14,
          "underlay-shape": "ellipse"
        }
      },
      {
        selector: "edge.impacted",
        style: { width: 4, "line-color": "#dd6b20", "target-arrow-color": "#dd6b20" }
      },
      {
        selector: "edge.breach",
        style: { width: 4, "line-color": "#e53e3e", "target-arrow-color": "#e53e3e", color: "#c53030" }
      }
    ];
  }

  function drawLegend(data) {
    data.legend.forEach(function (item) {
      var used = data.nodes.some(function (n) { return n.primary_role === item.role; });
      if (!used) {
        return;
      }
      var swatch = el("span", { className: "swatch", "aria-hidden": "true" });
      swatch.style.background = item.colour;
      legend.appendChild(el("li", {}, [swatch, item.description + " (" + item.shape + ")"]));
    });
    legend.appendChild(
      el("li", {}, [el("span", { className: "swatch failing", "aria-hidden": "true" }),
        "red border: violates a precondition"])
    );
    legend.appendChild(
      el("li", {}, [el("span", { className: "swatch impact", "aria-hidden": "true" }),
        "orange: affected when the chosen organisation fails"])
    );
  }

  function clearImpact() {
    if (!state.cy) {
      return;
    }
    state.cy.elements().removeClass("dimmed impacted impact-source");
    state.impact = null;
    var result = document.getElementById("impact-result");
    if (result) {
      result.textContent = "";
    }
  }

  function showDetails(node) {
    var data = state.data.nodes.find(function (n) { return n.id === node.id(); });
    state.cy.nodes().removeClass("selected");
    node.addClass("selected");
    state.selected = data.id;
    details.textContent = "";
    details.appendChild(el("h2", { id: "details-title", text: data.label }));
    details.appendChild(el("p", {}, [
      el("code", { text: data.curie }), " — ",
      el("a", { href: pageLink(data.id), id: "details-page", text: "its page" })
    ]));
    var roles = el("p", { id: "details-roles" }, ["Roles: "]);
    if (data.roles.length === 0) {
      roles.appendChild(document.createTextNode("none"));
    }
    data.roles.forEach(function (role) {
      roles.appendChild(el("span", { className: "badge", text: role }));
    });
    details.appendChild(roles);
    var verdict;
    if (data.failing.length) {
      verdict = el("p", { className: "bad", id: "details-status",
        text: "Fails precondition " + data.failing.join(", ") + "." });
    } else if (data.warned.length) {
      verdict = el("p", { className: "warn", id: "details-status",
        text: "Meets every precondition, with warnings on " + data.warned.join(", ") + "." });
    } else {
      verdict = el("p", { className: "ok", id: "details-status",
        text: "No finding: meets every precondition that applies to it." });
    }
    details.appendChild(verdict);
    if (data.findings.length) {
      details.appendChild(el("h3", { text: "Findings" }));
      var list = el("ul", { id: "details-findings" });
      data.findings.forEach(function (f) {
        var item = el("li", { className: "finding" }, [
          el("span", { className: "badge " + f.severity, text: f.severity }),
          "P" + f.precondition + " (" + state.data.preconditions[String(f.precondition)] + "): " +
            f.message
        ]);
        if (f.focus !== data.id) {
          item.appendChild(el("div", { className: "hint" }, [
            "concerns ", el("a", { href: pageLink(f.focus), text: f.focus })
          ]));
        }
        if (f.hint) {
          item.appendChild(el("div", { className: "hint", text: "How to fix: " + f.hint }));
        }
        list.appendChild(item);
      });
      details.appendChild(list);
      details.appendChild(el("p", {}, [
        el("a", {
          href: "/validation?format=html&organisation=" + encodeURIComponent(data.id),
          text: "Its validation report"
        })
      ]));
    }
    var impactButton = el("button", { type: "button", id: "impact-button",
      text: "Show impact if it fails" });
    impactButton.addEventListener("click", function () { showImpact(data); });
    var clearButton = el("button", { type: "button", id: "impact-clear", text: "Clear" });
    clearButton.addEventListener("click", clearImpact);
    details.appendChild(el("p", {}, [impactButton, clearButton]));
    details.appendChild(el("div", { id: "impact-result", "aria-live": "polite" }));
  }

  function labelOf(iri) {
    var node = state.data.nodes.find(function (n) { return n.id === iri; });
    if (node) {
      return node.label;
    }
    for (var i = 0; i < state.data.edges.length; i += 1) {
      var service = state.data.edges[i].services.find(function (s) { return s.iri === iri; });
      if (service) {
        return service.label;
      }
    }
    return iri;
  }

  function showImpact(data) {
    clearImpact();
    var result = document.getElementById("impact-result");
    result.textContent = "Finding what depends on " + data.label + "…";
    fetch("/impact?iri=" + encodeURIComponent(data.id), { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("the server answered " + response.status);
        }
        return response.json();
      })
      .then(function (impact) {
        var organisations = new Set(impact.organisations.map(function (a) { return a.iri; }));
        var services = new Set(impact.services.map(function (a) { return a.iri; }));
        var cy = state.cy;
        cy.elements().addClass("dimmed");
        var source = cy.getElementById(data.id);
        source.removeClass("dimmed").addClass("impact-source");
        cy.nodes().forEach(function (node) {
          if (organisations.has(node.id())) {
            node.removeClass("dimmed").addClass("impacted");
          }
        });
        cy.edges().forEach(function (edge) {
          var carries = edge.data("services").some(function (s) { return services.has(s); });
          var from = edge.source();
          if (carries && (from.id() === data.id || organisations.has(from.id()))) {
            edge.removeClass("dimmed").addClass("impacted");
          }
        });
        state.impact = { organisations: Array.from(organisations), services: Array.from(services) };
        result.textContent = "";
        if (organisations.size === 0) {
          result.appendChild(el("p", { className: "ok", id: "impact-summary",
            text: "Nothing downstream depends on " + data.label + "." }));
          return;
        }
        result.appendChild(el("p", { className: "bad", id: "impact-summary",
          text: "If " + data.label + " fails, " + organisations.size + " organisation(s) and " +
            services.size + " service(s) are affected:" }));
        var list = el("ul", { id: "impact-list" });
        impact.organisations.forEach(function (a) {
          list.appendChild(el("li", { text: a.path.map(labelOf).join(" → ") }));
        });
        result.appendChild(list);
      })
      .catch(function (error) {
        result.textContent = "Could not compute the impact: " + error.message;
      });
  }

  function draw(data) {
    state.data = data;
    if (data.nodes.length === 0) {
      status.textContent = "The knowledge base holds no organisations yet: load an ecosystem first.";
      state.ready = true;
      return;
    }
    var elements = [];
    data.nodes.forEach(function (n) {
      elements.push({
        group: "nodes",
        data: { id: n.id, label: n.label, colour: n.colour, shape: n.shape },
        position: { x: n.x, y: n.y },
        classes: n.status
      });
    });
    data.edges.forEach(function (e) {
      elements.push({
        group: "edges",
        data: {
          id: e.id, source: e.source, target: e.target, label: e.label,
          services: e.services.map(function (s) { return s.iri; })
        },
        classes: e.breached ? "breach" : ""
      });
    });
    var cy = window.cytoscape({
      container: container,
      elements: elements,
      style: style(),
      layout: { name: "preset", fit: true, padding: 40 },
      minZoom: 0.2,
      maxZoom: 3,
      boxSelectionEnabled: false,
      autoungrabify: false
    });
    state.cy = cy;
    if (cy.zoom() > 1.25) {  // a small ecosystem: keep nodes at a readable size, centred
      cy.zoom(1.25);
      cy.center();
    }
    cy.on("tap", "node", function (event) { showDetails(event.target); });
    cy.on("tap", function (event) {
      if (event.target === cy) {
        cy.nodes().removeClass("selected");
      }
    });
    drawLegend(data);
    var failing = data.nodes.filter(function (n) { return n.failing.length; }).length;
    status.textContent = data.nodes.length + " organisations, " + data.edges.length +
      " provider→consumer links; " + (failing ? failing + " violate a precondition (red border)."
        : "none violates a precondition.");
    state.ready = true;
  }

  fetch("/map/data", { headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("the server answered " + response.status);
      }
      return response.json();
    })
    .then(draw)
    .catch(function (error) {
      status.textContent = "Could not load the map: " + error.message;
      status.className = "bad";
    });
}());
