'use strict';

/*
 * Telegram Bot API emulator for end-to-end tests.
 *
 * Wraps the npm package `telegram-test-api` (pinned to 4.2.1) and fixes what an aiogram 3 bot
 * needs (see shared/e2e/telegram-test-api.md):
 *   1. getMe answers a full User with is_bot = true (id taken from the token's digits).
 *   2. callback_query updates carry `chat_instance` (and the full bot message they belong to).
 *   3. getUpdates is a real long poll honouring `timeout` and `offset`/`limit`.
 *   4. Unknown bot methods answer HTTP 404 {ok:false, error_code:404, description}.
 *   5. Unhandled promise rejections are logged instead of killing the process.
 * It also stubs what the bot needs (setMyCommands, sendChatAction, sendDocument/sendPhoto with
 * multipart uploads, getChat, getChatMember, ...) and exposes debug routes (/__stats,
 * /__calls, /__reset, /__chatMember, /__health).
 *
 * Usage:  node server.js [--host 127.0.0.1] [--port 0] [--store-timeout 3600] [--watch-stdin]
 *         (env: TG_EMULATOR_HOST, TG_EMULATOR_PORT, TG_EMULATOR_STORE_TIMEOUT)
 * Once ready it prints exactly one line `LISTENING <port>` to stdout; logs go to stderr.
 * Only loopback addresses are accepted as host.
 */

const path = require('path');
const busboy = require('busboy');
const TelegramServer = require('telegram-test-api');
const packageRoutes = require('telegram-test-api/lib/routes/index');
const { unknownMethod: packageUnknownMethod } = require(
  'telegram-test-api/lib/routes/bot/unknownMethod',
);

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

const MAX_POLL_TIMEOUT_S = 50; // Telegram caps long polling at 50 s as well.
const MAX_CALL_LOG = 5000; // Ring buffer size of /__calls.
const SHUTDOWN_GRACE_MS = 3000;

/** Boolean methods the bot may call at start-up or while chatting: answered with `true`. */
const TRUE_STUBS = [
  'setMyCommands',
  'deleteMyCommands',
  'setChatMenuButton',
  'sendChatAction',
  'answerCallbackQuery',
];

/** Media upload methods: field name -> builder of the stored/returned media object. */
const MEDIA_METHODS = {
  sendDocument: 'document',
  sendPhoto: 'photo',
  sendVideo: 'video',
  sendAudio: 'audio',
  sendVoice: 'voice',
  sendAnimation: 'animation',
};

function log(...args) {
  console.error(`[emulator ${new Date().toISOString()}]`, ...args);
}

function parseArgs(argv) {
  const options = {
    host: process.env.TG_EMULATOR_HOST || '127.0.0.1',
    port: process.env.TG_EMULATOR_PORT || '0',
    storeTimeout: process.env.TG_EMULATOR_STORE_TIMEOUT || '3600',
    watchStdin: false,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => (inline !== undefined ? inline : argv[(i += 1)]);
    if (flag === '--host') options.host = value();
    else if (flag === '--port') options.port = value();
    else if (flag === '--store-timeout') options.storeTimeout = value();
    else if (flag === '--watch-stdin') options.watchStdin = true;
    else throw new Error(`unknown argument: ${argv[i]}`);
  }
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port: ${options.port}`);
  }
  const storeTimeout = Number(options.storeTimeout);
  if (!Number.isFinite(storeTimeout) || storeTimeout <= 0) {
    throw new Error(`invalid store timeout: ${options.storeTimeout}`);
  }
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(options.host) && options.host !== '::1') {
    throw new Error(`refusing to bind to non-loopback host ${options.host}`);
  }
  return { ...options, port, storeTimeout };
}

// ---------------------------------------------------------------------------------------------
// Shared state of this emulator (the package keeps messages; we keep everything else here)
// ---------------------------------------------------------------------------------------------

const state = {
  startedAt: Date.now(),
  getUpdatesCalls: 0,
  getUpdatesByToken: {},
  methodCalls: {},
  callLog: [],
  callSeq: 0,
  fileSeq: 0,
  files: new Map(), // file_id -> media object, so that re-sending by file_id keeps the metadata
  chats: new Map(), // String(chat id) -> Chat object seen from the user side
  users: new Map(), // String(user id) -> User object seen from the user side
  chatMembers: new Map(), // `${chatId}:${userId}` -> ChatMember overrides set via /__chatMember
  botPolls: new Map(), // token -> pending bot-side long poll
  userPolls: new Set(), // pending user-side long polls
};

/** The TelegramServer instance; set right after construction. */
let emulator = null;

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

/** A request parameter from the body (JSON, urlencoded, multipart) or the query string. */
function param(req, name) {
  if (req.body && req.body[name] !== undefined) return req.body[name];
  if (req.query && req.query[name] !== undefined) return req.query[name];
  return undefined;
}

function intParam(req, name) {
  const raw = param(req, name);
  if (raw === undefined || raw === null || raw === '') return null;
  const value = Number(raw);
  return Number.isFinite(value) ? Math.trunc(value) : null;
}

/** Parses a JSON-encoded field (urlencoded and multipart bodies carry objects as JSON text). */
function jsonParam(req, name) {
  const raw = param(req, name);
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch (_error) {
    return raw;
  }
}

function clamp(value, low, high) {
  return Math.min(Math.max(value, low), high);
}

function sendOk(res, result) {
  res.status(200).json({ ok: true, result });
}

function sendApiError(res, code, description) {
  if (res.headersSent) return;
  res.status(code).json({ ok: false, error_code: code, description });
}

/** Bot id = the token's digits before ':' (like real tokens); a stable hash otherwise. */
function botIdFromToken(token) {
  const match = /^(\d+):/.exec(token);
  if (match) return Number(match[1]);
  let hash = 0;
  for (const char of token) hash = (hash * 31 + char.charCodeAt(0)) % 2147483647;
  return hash || 1;
}

/** The bot as the `from` of its messages. */
function botFrom(token) {
  const id = botIdFromToken(token);
  return { id, is_bot: true, first_name: 'E2E Test Bot', username: `e2e_${id}_bot` };
}

/** The bot as getMe describes it: a full User with the bot-only fields. */
function botUser(token) {
  return {
    ...botFrom(token),
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
  };
}

/** A Chat object for a chat id: the one the user side sent, else a guess from the id's sign. */
function chatFor(chatId) {
  const known = state.chats.get(String(chatId));
  if (known) return { ...known };
  const id = Number(chatId);
  if (id > 0) return { id, type: 'private', first_name: `User ${id}` };
  const type = id <= -1000000000000 ? 'supergroup' : 'group';
  return { id, type, title: `Chat ${id}` };
}

function userFor(userId) {
  const known = state.users.get(String(userId));
  if (known) return { ...known };
  return { id: Number(userId), is_bot: false, first_name: `User ${userId}` };
}

function rememberUserSide(body) {
  const message = body.message && typeof body.message === 'object' ? body.message : body;
  if (message.chat && message.chat.id !== undefined) {
    state.chats.set(String(message.chat.id), { ...message.chat });
  }
  const from = body.from || message.from;
  if (from && from.id !== undefined) state.users.set(String(from.id), { ...from });
}

/** Finds the stored bot message `messageId` in chat `chatId` of bot `token`. */
function findBotRecord(token, chatId, messageId) {
  return emulator.storage.botMessages.find((record) => (
    record.botToken === token
    && String(record.messageId) === String(messageId)
    && String(record.message.chat_id) === String(chatId)
  ));
}

/** Converts a stored bot message record to a Bot API `Message` as the bot would get it. */
function toApiMessage(record) {
  const stored = record.message;
  const message = {
    message_id: record.messageId,
    from: botFrom(record.botToken),
    chat: chatFor(stored.chat_id),
    date: Math.floor(record.time / 1000),
  };
  const copied = [
    'text', 'entities', 'caption', 'caption_entities', 'edit_date', 'message_thread_id',
    'document', 'photo', 'video', 'audio', 'voice', 'animation',
  ];
  for (const key of copied) {
    if (stored[key] !== undefined) message[key] = stored[key];
  }
  // Only inline keyboards belong to a Message; reply keyboards are not echoed by Telegram.
  if (stored.reply_markup && stored.reply_markup.inline_keyboard) {
    message.reply_markup = stored.reply_markup;
  }
  return message;
}

function recordCall(req, method) {
  state.methodCalls[method] = (state.methodCalls[method] || 0) + 1;
  if (method === 'getUpdates') return; // counted only; far too chatty to log
  state.callSeq += 1;
  const params = { ...(req.query || {}), ...(req.body || {}) };
  if (req.files && req.files.length) {
    params.__files = req.files.map(({ field, filename, mimeType, size }) => (
      { field, filename, mimeType, size }
    ));
  }
  state.callLog.push({
    seq: state.callSeq,
    time: Date.now(),
    token: req.params.token,
    method,
    params,
  });
  if (state.callLog.length > MAX_CALL_LOG) {
    state.callLog.splice(0, state.callLog.length - MAX_CALL_LOG);
  }
}

// ---------------------------------------------------------------------------------------------
// Fix 2: callback_query updates get `chat_instance` and the full message they belong to.
// The package calls the static TelegramServer.formatUpdate at call time, so wrapping it here
// applies to polling and to webhook delivery alike.
// ---------------------------------------------------------------------------------------------

const originalFormatUpdate = TelegramServer.formatUpdate;

TelegramServer.formatUpdate = function formatUpdate(update) {
  const formatted = originalFormatUpdate.call(this, update);
  if (formatted.message) {
    // The user side posts the token along with the message; it is no Message field.
    const { botToken: _token, ...message } = formatted.message;
    formatted.message = message;
  }
  if (formatted.callback_query) {
    const query = formatted.callback_query;
    const sent = query.message || {};
    const chatId = sent.chat ? sent.chat.id : undefined;
    const instance = `e2e-chat-${chatId === undefined ? 'none' : chatId}`;
    query.chat_instance = query.chat_instance || instance;
    const record = emulator && chatId !== undefined
      ? findBotRecord(update.botToken, chatId, sent.message_id)
      : undefined;
    if (record) {
      // What the user side sent wins for chat/date; the stored message adds text and keyboard.
      query.message = { ...toApiMessage(record), ...sent };
      if (query.message.date > 1e11) query.message.date = Math.floor(query.message.date / 1000);
    }
  }
  return formatted;
};

// ---------------------------------------------------------------------------------------------
// Fix 3: long polling (bot side and user side)
// ---------------------------------------------------------------------------------------------

/** Unconfirmed updates of a bot, oldest first; updates below `offset` are confirmed first. */
function takeBotUpdates(token, offset, limit) {
  const own = emulator.storage.userMessages.filter((update) => update.botToken === token);
  if (offset !== null) {
    if (offset >= 0) {
      for (const update of own) if (update.updateId < offset) update.isRead = true;
    } else {
      // Negative offset: only the last |offset| unconfirmed updates stay available.
      const unread = own.filter((update) => !update.isRead);
      unread.slice(0, Math.max(unread.length + offset, 0)).forEach((u) => { u.isRead = true; });
    }
  }
  return own
    .filter((update) => !update.isRead)
    .filter((update) => offset === null || offset < 0 || update.updateId >= offset)
    .sort((a, b) => a.updateId - b.updateId)
    .slice(0, limit)
    .map((update) => TelegramServer.formatUpdate(update));
}

function handleBotGetUpdates(req, res) {
  const { token } = req.params;
  state.getUpdatesCalls += 1;
  state.getUpdatesByToken[token] = (state.getUpdatesByToken[token] || 0) + 1;
  const offset = intParam(req, 'offset');
  const limit = clamp(intParam(req, 'limit') || 100, 1, 100);
  const timeout = clamp(intParam(req, 'timeout') || 0, 0, MAX_POLL_TIMEOUT_S);

  // A newer getUpdates terminates an older one of the same bot, as Telegram does.
  const previous = state.botPolls.get(token);
  if (previous) {
    previous.finish(() => sendApiError(
      previous.res,
      409,
      'Conflict: terminated by other getUpdates request;'
        + ' make sure that only one bot instance is running',
    ));
  }

  const ready = takeBotUpdates(token, offset, limit);
  if (ready.length > 0 || timeout === 0) {
    sendOk(res, ready);
    return;
  }

  const poll = {
    res,
    done: false,
    timer: null,
    finish(respond) {
      if (poll.done) return;
      poll.done = true;
      clearTimeout(poll.timer);
      if (state.botPolls.get(token) === poll) state.botPolls.delete(token);
      respond();
    },
    wake() {
      const updates = takeBotUpdates(token, offset, limit);
      if (updates.length > 0) poll.finish(() => sendOk(res, updates));
    },
  };
  poll.timer = setTimeout(() => poll.finish(() => sendOk(res, [])), timeout * 1000);
  // In Node 20 the *request* emits 'close' as soon as its body is read: watch the response.
  res.on('close', () => poll.finish(() => {}));
  state.botPolls.set(token, poll);
}

function wakeBotPolls() {
  for (const poll of [...state.botPolls.values()]) poll.wake();
}

/** Unread bot messages of one chat, marked read (same semantics as the package's route). */
function takeUserUpdates(token, chatId) {
  const records = emulator.storage.botMessages.filter((record) => (
    record.botToken === token
    && String(record.message.chat_id) === String(chatId)
    && !record.isRead
  ));
  records.forEach((record) => { record.isRead = true; });
  return records;
}

/** User side /getUpdates: the package's semantics plus an optional `timeout` (seconds). */
function handleUserGetUpdates(req, res) {
  const { token, chatId } = req.body || {};
  if (!token || chatId === undefined) {
    sendApiError(res, 400, 'Bad Request: `token` and `chatId` are required');
    return;
  }
  const timeout = clamp(Number(req.body.timeout) || 0, 0, MAX_POLL_TIMEOUT_S);
  const ready = takeUserUpdates(token, chatId);
  if (ready.length > 0 || timeout === 0) {
    sendOk(res, ready);
    return;
  }
  const poll = {
    res,
    done: false,
    timer: null,
    finish(respond) {
      if (poll.done) return;
      poll.done = true;
      clearTimeout(poll.timer);
      state.userPolls.delete(poll);
      respond();
    },
    wake() {
      const records = takeUserUpdates(token, chatId);
      if (records.length > 0) poll.finish(() => sendOk(res, records));
    },
  };
  poll.timer = setTimeout(() => poll.finish(() => sendOk(res, [])), timeout * 1000);
  res.on('close', () => poll.finish(() => {}));
  state.userPolls.add(poll);
}

function wakeUserPolls() {
  for (const poll of [...state.userPolls]) poll.wake();
}

// ---------------------------------------------------------------------------------------------
// Multipart bodies (aiogram uploads local files as multipart/form-data)
// ---------------------------------------------------------------------------------------------

/** Parses multipart bodies into req.body (fields) and req.files; file bytes are discarded. */
function multipartBody(req, res, next) {
  if (!req.is('multipart/form-data')) {
    next();
    return;
  }
  let parser;
  try {
    parser = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      limits: { fieldSize: 16 * 1024 * 1024, fileSize: 200 * 1024 * 1024 },
    });
  } catch (error) {
    sendApiError(res, 400, `Bad Request: invalid multipart body: ${error.message}`);
    return;
  }
  const body = {};
  const files = [];
  parser.on('field', (name, value) => { body[name] = value; });
  parser.on('file', (name, stream, info) => {
    const file = { field: name, filename: info.filename, mimeType: info.mimeType, size: 0 };
    files.push(file);
    stream.on('data', (chunk) => { file.size += chunk.length; });
    stream.resume();
  });
  parser.on('error', (error) => sendApiError(res, 400, `Bad Request: ${error.message}`));
  parser.on('close', () => {
    req.body = body;
    req.files = files;
    next();
  });
  req.pipe(parser);
}

// ---------------------------------------------------------------------------------------------
// Bot-side methods
// ---------------------------------------------------------------------------------------------

/** Registers a bot method: GET or POST, errors become Telegram-shaped 500 answers. */
function botMethod(app, method, handler) {
  app.all(`/bot:token/${method}`, (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'POST') {
      sendApiError(res, 405, `Method Not Allowed: HTTP ${req.method}`);
      return;
    }
    try {
      handler(req, res, next);
    } catch (error) {
      log(`error in ${method}:`, error);
      sendApiError(res, 500, `Internal Server Error: ${error.message}`);
    }
  });
}

function requireChatId(req, res) {
  const chatId = param(req, 'chat_id');
  if (chatId === undefined || chatId === '') {
    sendApiError(res, 400, 'Bad Request: chat_id is empty');
    return null;
  }
  return chatId;
}

/** Stores a bot message through the package (keeps its ids and events) and returns it. */
function storeBotMessage(token, message) {
  emulator.addBotMessage(message, token);
  return emulator.storage.botMessages[emulator.storage.botMessages.length - 1];
}

function handleSendMessage(req, res) {
  const chatId = requireChatId(req, res);
  if (chatId === null) return;
  const text = param(req, 'text');
  if (typeof text !== 'string' || text.trim() === '') {
    sendApiError(res, 400, 'Bad Request: message text is empty');
    return;
  }
  const record = storeBotMessage(req.params.token, { ...req.body, ...req.query, chat_id: chatId });
  sendOk(res, toApiMessage(record));
}

function newFileIds(kind) {
  state.fileSeq += 1;
  return {
    file_id: `e2e-${kind}-${state.fileSeq}-${Date.now().toString(36)}`,
    file_unique_id: `e2e-u${state.fileSeq}`,
  };
}

/** Describes the media sent in field `field`: an upload, a known file_id, or a URL. */
function resolveMedia(req, field) {
  const value = param(req, field);
  const files = req.files || [];
  let upload;
  if (typeof value === 'string' && value.startsWith('attach://')) {
    upload = files.find((file) => file.field === value.slice('attach://'.length));
    if (!upload) return { error: `Bad Request: file ${value} is missing from the request` };
  } else if (value === undefined) {
    upload = files.find((file) => file.field === field);
  }
  if (upload) {
    return {
      media: {
        ...newFileIds(field),
        file_name: upload.filename || field,
        mime_type: upload.mimeType,
        file_size: upload.size,
      },
    };
  }
  if (typeof value !== 'string' || value === '') {
    return { error: `Bad Request: there is no ${field} in the request` };
  }
  const known = state.files.get(value);
  if (known) return { media: { ...known } };
  // A URL or a file_id the emulator never issued: accept it and keep the name if there is one.
  let fileName = value;
  if (/^https?:\/\//.test(value)) fileName = path.basename(new URL(value).pathname) || value;
  return { media: { ...newFileIds(field), file_name: fileName }, fileId: value };
}

function mediaObject(kind, media) {
  const base = { file_id: media.file_id, file_unique_id: media.file_unique_id };
  const extra = {
    file_name: media.file_name,
    mime_type: media.mime_type,
    file_size: media.file_size,
  };
  switch (kind) {
    case 'photo':
      // A single size; `file_name` is not a PhotoSize field but helps the tests.
      return [{
        ...base,
        width: 800,
        height: 600,
        file_size: media.file_size,
        file_name: media.file_name,
      }];
    case 'video':
    case 'animation':
      return { ...base, ...extra, width: 640, height: 480, duration: 1 };
    case 'audio':
    case 'voice':
      return { ...base, ...extra, duration: 1 };
    default:
      return { ...base, ...extra };
  }
}

function mediaHandler(kind) {
  return (req, res) => {
    const chatId = requireChatId(req, res);
    if (chatId === null) return;
    const { media, error, fileId } = resolveMedia(req, kind);
    if (error) {
      sendApiError(res, 400, error);
      return;
    }
    state.files.set(media.file_id, media);
    if (fileId) state.files.set(fileId, media);
    const message = {
      chat_id: chatId,
      [kind]: mediaObject(kind, media),
    };
    for (const key of ['caption', 'parse_mode', 'message_thread_id']) {
      const value = param(req, key);
      if (value !== undefined) message[key] = value;
    }
    const entities = jsonParam(req, 'caption_entities');
    if (entities !== undefined) message.caption_entities = entities;
    const markup = jsonParam(req, 'reply_markup');
    if (markup !== undefined) message.reply_markup = markup;
    const record = storeBotMessage(req.params.token, message);
    sendOk(res, toApiMessage(record));
  };
}

/**
 * Edits a stored bot message like Telegram does: 400 when it is missing or unchanged, the
 * inline keyboard is replaced (and removed when no reply_markup is given), the edited message
 * is answered and becomes unread again so that the user side sees the new version.
 */
function editHandler(kind) {
  return (req, res) => {
    if (param(req, 'inline_message_id') !== undefined) {
      sendOk(res, true); // Inline mode is not emulated.
      return;
    }
    const chatId = requireChatId(req, res);
    if (chatId === null) return;
    const record = findBotRecord(req.params.token, chatId, param(req, 'message_id'));
    if (!record) {
      sendApiError(res, 400, 'Bad Request: message to edit not found');
      return;
    }
    const before = JSON.stringify(record.message);
    const next = { ...record.message };
    if (kind === 'text') {
      const text = param(req, 'text');
      if (typeof text !== 'string' || text.trim() === '') {
        sendApiError(res, 400, 'Bad Request: message text is empty');
        return;
      }
      if (next.text === undefined) {
        sendApiError(res, 400, 'Bad Request: there is no text in the message to edit');
        return;
      }
      next.text = text;
      next.entities = jsonParam(req, 'entities');
      next.parse_mode = param(req, 'parse_mode');
    } else if (kind === 'caption') {
      next.caption = param(req, 'caption');
      next.caption_entities = jsonParam(req, 'caption_entities');
      next.parse_mode = param(req, 'parse_mode');
    }
    next.reply_markup = jsonParam(req, 'reply_markup');
    for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
    if (JSON.stringify(next) === before) {
      sendApiError(
        res,
        400,
        'Bad Request: message is not modified: specified new message content and reply markup'
          + ' are exactly the same as a current content and reply markup of the message',
      );
      return;
    }
    next.edit_date = nowSeconds();
    record.message = next;
    record.isRead = false;
    emulator.emit(kind === 'markup' ? 'EditedMessageReplyMarkup' : 'EditedMessageText');
    sendOk(res, toApiMessage(record));
  };
}

function handleDeleteMessage(req, res) {
  const chatId = requireChatId(req, res);
  if (chatId === null) return;
  const messageId = intParam(req, 'message_id');
  if (messageId === null || !emulator.deleteMessage(Number(chatId), messageId)) {
    sendApiError(res, 400, 'Bad Request: message to delete not found');
    return;
  }
  sendOk(res, true);
}

function handleGetChat(req, res) {
  const chatId = requireChatId(req, res);
  if (chatId === null) return;
  sendOk(res, {
    ...chatFor(chatId),
    accent_color_id: 0,
    max_reaction_count: 11,
    accepted_gift_types: {
      unlimited_gifts: false,
      limited_gifts: false,
      unique_gifts: false,
      premium_subscription: false,
      gifts_from_channels: false,
    },
  });
}

/** A ChatMember of the given status with every field aiogram requires for it. */
function chatMember(status, user, overrides) {
  const member = { status, user };
  if (status === 'creator') Object.assign(member, { is_anonymous: false });
  if (status === 'administrator') {
    Object.assign(member, {
      can_be_edited: false,
      is_anonymous: false,
      can_manage_chat: true,
      can_delete_messages: true,
      can_manage_video_chats: true,
      can_restrict_members: true,
      can_promote_members: false,
      can_change_info: true,
      can_invite_users: true,
      can_post_stories: false,
      can_edit_stories: false,
      can_delete_stories: false,
      can_send_welcome_messages: false,
    });
  }
  if (status === 'restricted') {
    const permissions = [
      'can_send_messages', 'can_send_audios', 'can_send_documents', 'can_send_photos',
      'can_send_videos', 'can_send_video_notes', 'can_send_voice_notes', 'can_send_polls',
      'can_send_other_messages', 'can_add_web_page_previews', 'can_react_to_messages',
      'can_edit_tag', 'can_change_info', 'can_invite_users', 'can_pin_messages',
      'can_manage_topics',
    ];
    member.is_member = true;
    for (const name of permissions) member[name] = false;
    member.until_date = 0;
  }
  if (status === 'kicked') member.until_date = 0;
  return Object.assign(member, overrides || {});
}

function handleGetChatMember(req, res) {
  const chatId = requireChatId(req, res);
  if (chatId === null) return;
  const userId = intParam(req, 'user_id');
  if (userId === null) {
    sendApiError(res, 400, 'Bad Request: user_id is empty');
    return;
  }
  const isBot = userId === botIdFromToken(req.params.token);
  const user = isBot ? botFrom(req.params.token) : userFor(userId);
  const override = state.chatMembers.get(`${chatId}:${userId}`);
  const status = override ? override.status : (isBot ? 'administrator' : 'member');
  sendOk(res, chatMember(status, user, override && override.fields));
}

// Fix 4: unknown methods answer 404 in the Bot API error shape (aiogram raises TelegramNotFound).
function registerUnknownMethod(app) {
  app.all('/bot:token/:method', (req, res) => {
    sendApiError(
      res,
      404,
      `Not Found: method '${req.params.method}' is not implemented by the e2e emulator`,
    );
  });
}

/** Answers any other route with a JSON 404 instead of the package's HTTP 500. */
function registerNotFound(app) {
  app.use((req, res) => {
    sendApiError(res, 404, `Not Found: ${req.method} ${req.path}`);
  });
}

// ---------------------------------------------------------------------------------------------
// Routes registered before the package's own ones (after its body parsers)
// ---------------------------------------------------------------------------------------------

function registerFixes(app, server) {
  emulator = server;
  app.use(multipartBody);

  // Errors raised by the package's handlers become Bot API shaped on bot routes.
  app.use((req, res, next) => {
    if (req.path.startsWith('/bot')) {
      res.sendError = (error) => sendApiError(res, 500, `Internal Server Error: ${error.message}`);
    }
    next();
  });
  app.all('/bot:token/:method', (req, _res, next) => {
    recordCall(req, req.params.method);
    next();
  });

  // User side: reject malformed requests instead of crashing later in a promise (fix 5).
  app.post(['/sendMessage', '/sendCommand', '/sendCallback'], (req, res, next) => {
    const body = req.body || {};
    if (!body.botToken) {
      sendApiError(res, 400, 'Bad Request: `botToken` is required');
      return;
    }
    if (req.path === '/sendCommand' && !Array.isArray(body.entities)) {
      sendApiError(res, 400, 'Bad Request: /sendCommand needs `entities` with a bot_command');
      return;
    }
    if (req.path === '/sendCallback') {
      const message = body.message || {};
      if (message.message_id === undefined || !message.chat || message.date === undefined) {
        sendApiError(res, 400, 'Bad Request: /sendCallback needs message.{message_id,date,chat}');
        return;
      }
    }
    rememberUserSide(body);
    next();
  });
  app.post('/getUpdates', handleUserGetUpdates);

  // Bot side.
  botMethod(app, 'getMe', (req, res) => sendOk(res, botUser(req.params.token))); // fix 1
  botMethod(app, 'getUpdates', handleBotGetUpdates); // fix 3
  botMethod(app, 'sendMessage', handleSendMessage);
  botMethod(app, 'editMessageText', editHandler('text'));
  botMethod(app, 'editMessageCaption', editHandler('caption'));
  botMethod(app, 'editMessageReplyMarkup', editHandler('markup'));
  botMethod(app, 'deleteMessage', handleDeleteMessage);
  botMethod(app, 'getChat', handleGetChat);
  botMethod(app, 'getChatMember', handleGetChatMember);
  for (const method of TRUE_STUBS) botMethod(app, method, (_req, res) => sendOk(res, true));
  for (const [method, kind] of Object.entries(MEDIA_METHODS)) {
    botMethod(app, method, mediaHandler(kind));
  }

  // Debug routes for the tests.
  app.get('/__health', (_req, res) => sendOk(res, true));
  app.get('/__stats', (_req, res) => sendOk(res, {
    uptime_ms: Date.now() - state.startedAt,
    get_updates_calls: state.getUpdatesCalls,
    get_updates_by_token: state.getUpdatesByToken,
    method_calls: state.methodCalls,
    pending_bot_polls: state.botPolls.size,
    pending_user_polls: state.userPolls.size,
    stored_user_updates: server.storage.userMessages.length,
    stored_bot_messages: server.storage.botMessages.length,
  }));
  app.get('/__calls', (req, res) => {
    const { method, token } = req.query;
    sendOk(res, state.callLog.filter((call) => (
      (!method || call.method === method) && (!token || call.token === token)
    )));
  });
  app.post('/__chatMember', (req, res) => {
    const { chat_id: chatId, user_id: userId, status, fields } = req.body || {};
    if (chatId === undefined || userId === undefined || !status) {
      sendApiError(res, 400, 'Bad Request: chat_id, user_id and status are required');
      return;
    }
    state.chatMembers.set(`${chatId}:${userId}`, { status, fields });
    sendOk(res, true);
  });
  app.post('/__reset', (_req, res) => {
    server.storage.userMessages = [];
    server.storage.botMessages = [];
    state.callLog = [];
    state.chatMembers.clear();
    sendOk(res, true);
  });

  // Wake pending long polls when something arrives.
  for (const event of ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery']) {
    server.on(event, wakeBotPolls);
  }
  for (const event of ['AddedBotMessage', 'EditedMessageText', 'EditedMessageReplyMarkup']) {
    server.on(event, wakeUserPolls);
  }
}

/** Puts our routes first and our 404 in place of the package's unknownMethod (HTTP 500). */
function patchPackageRoutes() {
  const { routes } = packageRoutes;
  const unknownIndex = routes.indexOf(packageUnknownMethod);
  if (!Array.isArray(routes) || unknownIndex < 0) {
    throw new Error('telegram-test-api internals changed: cannot install the aiogram fixes');
  }
  routes[unknownIndex] = registerUnknownMethod;
  routes.unshift(registerFixes);
  routes.push(registerNotFound);
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

// Fix 5: a rejected promise (e.g. an unreachable webhook) must not kill the emulator.
process.on('unhandledRejection', (reason) => {
  const detail = reason instanceof Error ? reason.stack || String(reason) : reason;
  log('unhandled promise rejection (ignored):', detail);
});

async function main() {
  const options = parseArgs(process.argv.slice(2));
  patchPackageRoutes();
  const server = new TelegramServer({
    host: options.host,
    port: options.port || 1, // normalizeConfig treats 0 as "use 9000"; the real port is set below
    storeTimeout: options.storeTimeout,
  });
  server.config.port = options.port;
  await server.start();
  const { port } = server.server.address();
  server.config.port = port;
  server.config.apiURL = `${server.config.protocol}://${options.host}:${port}`;

  let stopping = false;
  const shutdown = (why) => {
    if (stopping) return;
    stopping = true;
    log(`shutting down (${why})`);
    // Answer pending long polls so that keep-alive connections can close.
    for (const poll of [...state.botPolls.values()]) poll.finish(() => sendOk(poll.res, []));
    for (const poll of [...state.userPolls]) poll.finish(() => sendOk(poll.res, []));
    setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
    server.stop().then(() => process.exit(0), () => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (options.watchStdin) {
    // The launcher keeps our stdin open: EOF means it is gone, so do not outlive it.
    process.stdin.on('end', () => shutdown('stdin closed'));
    process.stdin.on('error', () => shutdown('stdin error'));
    process.stdin.resume();
  }
  log(`Telegram emulator listening on ${server.config.apiURL}`);
  process.stdout.write(`LISTENING ${port}\n`);
}

main().catch((error) => {
  log('failed to start:', error);
  process.exit(1);
});
