// The duty board's updates (serve/board.c, docs/pages.md "The duty
// board"), an enhancement only: without it the board is a normal page
// with a Refresh link.  Every data-refresh seconds it fetches the board's
// JSON (data-replyd-board) and redraws the lists in place, so a screen
// stays current without a full reload, and it says so when an update
// fails instead of showing old lists as if they were new.
//
// A wall screen (data-wall) is not signed in: it sends the service token
// from the page's fragment (/board/TEAM/wall#token=...) as
// "Authorization: Bearer".  A browser never sends a fragment to a server,
// so the token is in no request line, log or Referer.  Everything drawn
// is text (textContent), never markup.

const board = document.querySelector('[data-replyd-board]')
if (board) start(board)

function start (board) {
  const url = board.dataset.replydBoard
  const every = Math.max(2, parseInt(board.dataset.refresh, 10) || 30) * 1000
  const wall = board.dataset.wall === 'true'
  const status = board.querySelector('[data-board-status]')
  const problemBox = board.querySelector('[data-board-problem]')
  const problemText = board.querySelector('[data-board-problem-text]')
  let token = null
  let last = null

  function problem (text) {
    problemText.textContent = text
    problemBox.hidden = false
  }

  if (wall) {
    const m = /(?:^|&)token=([^&]+)/.exec(window.location.hash.slice(1))
    if (m) {
      try {
        token = decodeURIComponent(m[1])
      } catch (e) {
        token = null
      }
    }
    if (!token) {
      problem('This wall display has no token. Open it with the link an ' +
        'administrator made for it: it ends with #token= and the token.')
      return
    }
  }

  async function update () {
    const headers = { Accept: 'application/json' }
    if (token) headers.Authorization = 'Bearer ' + token
    let res, data
    try {
      res = await fetch(url, {
        headers,
        credentials: token ? 'omit' : 'same-origin',
        cache: 'no-store'
      })
      if (res.ok) data = await res.json()
    } catch (e) {
      res = null
    }
    if (res && (res.status === 401 || res.status === 403)) {
      problem(wall
        ? 'The token in this display\'s link was refused, so the board ' +
          'cannot be shown. Ask an administrator for a new link.'
        : 'Your session has ended, so the board has stopped updating. ' +
          'Reload the page to sign in again.')
      return // a refused token stays refused: stop asking
    }
    if (res && res.status === 404) {
      problem('There is no board for this team, or this token may not see it.')
      return
    }
    if (!data) {
      problem((last ? 'Could not update the board: it shows what was ' +
        'known at ' + last + '. ' : 'Could not load the board. ') +
        'Trying again in ' + every / 1000 + ' seconds.')
    } else {
      problemBox.hidden = true
      draw(data)
    }
    window.setTimeout(update, every)
  }

  function draw (data) {
    last = data.at_text
    status.replaceChildren('Updated ', el('time', { datetime: data.at }, data.at_text),
      '. Updates every ' + every / 1000 + ' seconds.')
    board.querySelector('[data-board-duty=worker]').textContent =
      data.on_duty.duty_worker_text
    board.querySelector('[data-board-duty=manager]').textContent =
      data.on_duty.duty_manager_text
    for (const [key, name] of [['overdue', 'overdue'], ['soon', 'due_soon'], ['taken', 'taken']]) {
      const list = data[name]
      board.querySelector('[data-board-count=' + key + ']').textContent =
        '(' + count(list.count) + ')'
      board.querySelector('[data-board-list=' + key + ']')
        .replaceChildren(...list.conversations.map(item))
      const empty = board.querySelector('[data-board-empty=' + key + ']')
      empty.textContent = empty.dataset.text
      empty.hidden = list.count > 0
      const more = board.querySelector('[data-board-more=' + key + ']')
      more.textContent = 'and ' + count(list.more) + ' more'
      more.hidden = list.more === 0
    }
  }

  update()
}

function count (n) {
  return n.toLocaleString('en-GB')
}

function el (tag, attrs, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v)
  e.append(...children)
  return e
}

function item (c) {
  const li = el('li', { class: 'replyd-board__item' },
    el('a', { class: 'govuk-link replyd-board__ref', href: c.link }, 'Conversation ' + c.id))
  if (c.urgent) li.append(' ', el('strong', { class: 'govuk-tag govuk-tag--red' }, 'Urgent'))
  li.append(' ',
    el('span', { class: 'replyd-board__due' + (c.overdue ? ' replyd-board__due--overdue' : '') },
      c.due_words), ' ',
    el('span', { class: 'replyd-board__meta' }, 'Due ',
      el('time', { datetime: c.deadline }, c.deadline_text),
      '. ' + c.worker_text + '. ' + c.taken_text + '.'))
  return li
}
