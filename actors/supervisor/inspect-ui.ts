// /debug/actors/ui: one self-contained page (no CDN, no build step) that draws
// the live actor tree from `/debug/actors?watch=true` and highlights each
// transition as it arrives. It finds the stream relative to its own address,
// so it works behind `kubectl proxy` and any --api-prefix.

const STYLE = `
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2433; background: #f7f8fa; }
  h1 { font-size: 1.2rem; margin: 0 0 .25rem; }
  #connection { font-size: .85rem; color: #5b6472; margin-bottom: 1rem; }
  #connection[data-state="live"]::before { content: "● "; color: #1a8a3a; }
  #connection[data-state="closed"]::before { content: "● "; color: #b3261e; }
  main { display: grid; grid-template-columns: minmax(22rem, 1fr) minmax(24rem, 1.2fr); gap: 1.5rem; align-items: start; }
  ul.tree, ul.tree ul { list-style: none; margin: 0; padding-left: 1.1rem; border-left: 1px dashed #c5cad3; }
  ul.tree { padding-left: 0; border: 0; }
  .actor { background: #fff; border: 1px solid #d8dce3; border-radius: 6px; padding: .4rem .6rem; margin: .3rem 0; transition: background 1.2s; }
  .actor.flash { background: #fff3b0; transition: none; }
  .actor .id { font-weight: 600; }
  .actor .state { font-family: ui-monospace, monospace; color: #0b57d0; margin-left: .5rem; }
  .actor .meta { font-size: .8rem; color: #5b6472; }
  .actor[data-status="error"] .state, .actor[data-status="stopped"] .state { color: #b3261e; }
  ol#timeline { list-style: none; margin: 0; padding: 0; font-family: ui-monospace, monospace; font-size: .8rem; }
  ol#timeline li { padding: .2rem .4rem; border-bottom: 1px solid #e3e6eb; }
  ol#timeline li:first-child { background: #fff3b0; }
  ol#timeline .at { color: #5b6472; margin-right: .5rem; }
`;

const SCRIPT = `
  const actors = new Map();
  const timeline = document.getElementById('timeline');
  const tree = document.getElementById('tree');
  const connection = document.getElementById('connection');
  const streamUrl = location.pathname.replace(/\\/ui\\/?$/, '') + '?watch=true';
  const show = (value) => (value === null || value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value));

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function card(record) {
    const node = el('div', 'actor');
    node.dataset.actor = record.id;
    node.dataset.status = record.status;
    node.append(el('span', 'id', record.id), el('span', 'state', show(record.state)));
    const counters = record.counters || { handled: 0, errors: 0 };
    node.append(el('div', 'meta', record.status + ' · handled ' + counters.handled + ' · errors ' + counters.errors + ' · restarts ' + record.restarts));
    return node;
  }

  function render() {
    tree.replaceChildren();
    const item = (record) => {
      const li = el('li');
      li.append(card(record));
      const kids = (record.children || []).map((id) => actors.get(id)).filter(Boolean);
      if (kids.length) {
        const ul = el('ul');
        for (const kid of kids) ul.append(item(kid));
        li.append(ul);
      }
      return li;
    };
    for (const record of actors.values()) if (!record.parent) tree.append(item(record));
  }

  function addToTimeline(t) {
    const li = el('li');
    li.dataset.actor = t.actor;
    li.dataset.to = show(t.to);
    li.append(el('span', 'at', t.at.slice(11, 23)), el('span', '', t.actor + ': ' + show(t.from) + ' → ' + show(t.to) + (t.status !== 'active' ? ' (' + t.status + ')' : '') + (t.cause.startsWith('crash') ? ' ' + t.cause : '')));
    timeline.prepend(li);
    while (timeline.children.length > 500) timeline.lastChild.remove();
  }

  function flash(id) {
    const node = tree.querySelector('.actor[data-actor="' + CSS.escape(id) + '"]');
    if (!node) return;
    node.classList.add('flash');
    requestAnimationFrame(() => requestAnimationFrame(() => node.classList.remove('flash')));
  }

  function onEvent(event) {
    if (event.type === 'ADDED') {
      actors.set(event.object.id, event.object);
      return 'added';
    }
    if (event.type === 'TRANSITION') {
      const t = event.object;
      const record = actors.get(t.actor) || { id: t.actor, parent: 'supervisor', children: [], restarts: 0, counters: { handled: 0, errors: 0 } };
      if (!actors.has(t.actor)) {
        actors.set(t.actor, record);
        const root = actors.get('supervisor');
        if (root && !root.children.includes(t.actor)) root.children.push(t.actor);
      }
      record.state = t.to;
      record.status = t.status;
      addToTimeline(t);
      render();
      flash(t.actor);
    }
  }

  async function follow() {
    let seeded = timeline.children.length > 0;
    try {
      const response = await fetch(streamUrl, { cache: 'no-store' });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      connection.dataset.state = 'live';
      connection.textContent = 'live: ' + streamUrl;
      actors.clear();
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let pending = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        pending += decoder.decode(value, { stream: true });
        let newline;
        let added = false;
        while ((newline = pending.indexOf('\\n')) >= 0) {
          const line = pending.slice(0, newline).trim();
          pending = pending.slice(newline + 1);
          if (line && onEvent(JSON.parse(line)) === 'added') added = true;
        }
        if (added) {
          if (!seeded) {
            const journal = [...actors.values()].flatMap((a) => a.transitions || []).sort((a, b) => (a.at < b.at ? -1 : 1));
            for (const t of journal) addToTimeline(t);
            seeded = true;
          }
          render();
        }
      }
      connection.textContent = 'the server ended the stream; reconnecting';
    } catch (error) {
      connection.textContent = 'disconnected (' + error.message + '); reconnecting';
    }
    connection.dataset.state = 'closed';
    setTimeout(follow, 2000);
  }
  follow();
`;

export const ACTORS_UI = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>kubeactor · actors</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style>
</head>
<body>
<h1>kubeactor actors</h1>
<div id="connection" data-state="connecting">connecting…</div>
<main>
  <section><h2>Tree</h2><ul class="tree" id="tree"></ul></section>
  <section><h2>Transitions</h2><ol id="timeline"></ol></section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
