// A small, self-hosted OpenAPI viewer: one section per operation with its parameters,
// request body and responses, schemas shown as indented field lists. No CDN, no eval.
(function () {
  "use strict";
  var root = document.getElementById("api-reference");
  if (!root) { return; }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }

  function resolve(spec, schema) {
    var seen = 0;
    while (schema && schema.$ref && seen < 20) {
      var parts = schema.$ref.replace(/^#\//, "").split("/");
      schema = parts.reduce(function (obj, key) { return obj ? obj[key] : undefined; }, spec);
      seen += 1;
    }
    return schema || {};
  }

  function schemaList(spec, schema, depth) {
    schema = resolve(spec, schema);
    var list = el("ul", null, "schema");
    var props = schema.properties || {};
    var required = schema.required || [];
    Object.keys(props).forEach(function (name) {
      var prop = resolve(spec, props[name]);
      var type = prop.type || (prop.items ? "array" : "object");
      if (Array.isArray(type)) { type = type.join(" | "); }
      var item = el("li");
      item.appendChild(el("code", name));
      item.appendChild(document.createTextNode(" " + type +
        (required.indexOf(name) >= 0 ? " (required)" : "") +
        (prop["enum"] ? ": " + prop["enum"].join(", ") : "") +
        (prop.description ? " — " + prop.description : "")));
      if (depth < 4) {
        var inner = prop.items ? resolve(spec, prop.items) : prop;
        if (inner.properties) { item.appendChild(schemaList(spec, inner, depth + 1)); }
      }
      list.appendChild(item);
    });
    return list;
  }

  function content(spec, block, holder) {
    var media = (block && block.content) || {};
    Object.keys(media).forEach(function (type) {
      holder.appendChild(el("p", type, "hint"));
      if (media[type].schema) { holder.appendChild(schemaList(spec, media[type].schema, 0)); }
    });
  }

  function render(spec) {
    root.textContent = "";
    Object.keys(spec.paths || {}).sort().forEach(function (path) {
      var ops = spec.paths[path];
      Object.keys(ops).forEach(function (method) {
        if (method === "parameters") { return; }
        var op = ops[method];
        var section = el("section", null, "api-operation");
        section.appendChild(el("h2", method.toUpperCase() + " " + path));
        if (op.summary) { section.appendChild(el("p", op.summary)); }
        if (op.description) { section.appendChild(el("p", op.description, "hint")); }
        var params = (ops.parameters || []).concat(op.parameters || []);
        if (params.length) {
          section.appendChild(el("h3", "Parameters"));
          var list = el("ul");
          params.forEach(function (p) {
            p = resolve(spec, p);
            list.appendChild(el("li", p.name + " (" + p["in"] + (p.required ? ", required" : "") + ")"));
          });
          section.appendChild(list);
        }
        if (op.requestBody) {
          section.appendChild(el("h3", "Request body"));
          content(spec, resolve(spec, op.requestBody), section);
        }
        section.appendChild(el("h3", "Responses"));
        Object.keys(op.responses || {}).forEach(function (status) {
          var response = resolve(spec, op.responses[status]);
          section.appendChild(el("h4", status + " " + (response.description || "")));
          if (status.charAt(0) === "2") { content(spec, response, section); }
        });
        root.appendChild(section);
      });
    });
  }

  fetch(root.getAttribute("data-spec"), {credentials: "same-origin"})
    .then(function (r) { return r.json(); })
    .then(render)
    .catch(function () { root.textContent = "The reference could not be loaded."; });
})();
