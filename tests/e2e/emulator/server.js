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
 * Staff chats (supergroups, forum topics, membership), see README.md "Group chats":
 *   bot side: getChat (title/is_forum from /setChat), getChatMember and getChatAdministrators
 *   (from the membership table of /setChatMember), createForumTopic, editForumTopic,
 *   closeForumTopic, reopenForumTopic, deleteForumTopic, copyMessage, answerCallbackQuery
 *   (recorded); sendMessage/send<Media>/copyMessage keep message_thread_id, reply_parameters
 *   and reply_markup and answer 400 "message thread not found" for a deleted topic.
 *   Like Telegram they refuse a text over 4096 characters ("message is too long") or a caption
 *   over 1024 ("message caption is too long"), counted after HTML parsing in UTF-16 units.
 *   user side: /setChatMember, /setChat, /deleteTopic, /getTopics, /getCallbackAnswers,
 *   /getMessage, /getBotUser. /sendMessage and /sendCommand answer {message_id, update_id},
 *   /sendCallback {callback_query_id, update_id}; a `reply_to_message` that carries only a
 *   `message_id` is expanded to the full stored message of that chat.
 *   Each of these routes takes an optional `token`: with it the setting applies to that bot
 *   only (tests share one emulator), without it to every bot.
 *
 * Files: getFile and the download route /file/bot<token>/<path> serve the bytes the user side
 *   put behind a file id (/putFile) or the bot uploaded; /invalidateFile makes Telegram forget
 *   an id (getFile and sends by it answer 400 "wrong file identifier"); an upload's media
 *   carries its `sha256` (not a Bot API field) for the tests.
 *
 * Usage:  node server.js [--host 127.0.0.1] [--port 0] [--store-timeout 3600] [--watch-stdin]
 *         (env: TG_EMULATOR_HOST, TG_EMULATOR_PORT, TG_EMULATOR_STORE_TIMEOUT)
 * Once ready it prints exactly one line `LISTENING <port>` to stdout; logs go to stderr.
 * Only loopback addresses are accepted as host.
 */

const crypto = require('crypto');
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
];

/** Statuses /setChatMember accepts (ChatMember variants aiogram parses). */
const MEMBER_STATUSES = new Set([
  'creator', 'administrator', 'member', 'restricted', 'left', 'kicked',
]);

/** Bot API parameters that arrive JSON-encoded (urlencoded/multipart) and are stored parsed. */
const JSON_PARAMS = [
  'reply_markup', 'entities', 'caption_entities', 'reply_parameters', 'link_preview_options',
];
/** Integer parameters (aiogram sends them as text) stored as numbers. */
const INT_PARAMS = ['message_thread_id', 'reply_to_message_id', 'message_id', 'from_chat_id'];
/** Boolean parameters (sent as "true"/"false") stored as booleans. */
const BOOL_PARAMS = [
  'disable_notification', 'protect_content', 'show_caption_above_media',
  'allow_sending_without_reply', 'disable_web_page_preview', 'show_alert',
];

/** Content fields of a message that copyMessage carries over and toApiMessage returns. */
const CONTENT_FIELDS = [
  'text', 'entities', 'caption', 'caption_entities', 'document', 'photo', 'video', 'audio',
  'voice', 'animation', 'sticker', 'video_note', 'location', 'contact', 'venue', 'dice', 'poll',
];

/** What Telegram answers for a file id it does not know (any more). */
const WRONG_FILE_ID = 'Bad Request: wrong file identifier/HTTP URL specified';

/** Default colour of a new forum topic (one of the six Telegram allows). */
const DEFAULT_TOPIC_COLOR = 7322096;
const MAX_USER_MESSAGES = 50000; // Remembered user messages (for copyMessage and replies).


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
  // Bytes behind file ids (getFile and its download): put by /putFile, or uploaded by the bot.
  fileContents: new Map(), // file_id -> {data: Buffer, file_unique_id}
  invalidFiles: new Set(), // file ids made invalid by /invalidateFile (Telegram forgot them)
  chats: new Map(), // `${token}|${chat id}` -> Chat object seen from the user side
  users: new Map(), // String(user id) -> User object seen from the user side
  // Scoped settings: the scope is a bot token, or '*' for settings that apply to every bot.
  chatMembers: new Map(), // `${scope}|${chatId}|${userId}` -> {status, fields, user}
  memberTables: new Set(), // `${scope}|${chatId}`: chats whose membership the test controls
  chatSettings: new Map(), // `${scope}|${chatId}` -> {title, is_forum, type, username}
  topics: new Map(), // `${scope}|${chatId}` -> Map(thread id -> topic)
  userMessages: new Map(), // `${token}|${chatId}|${messageId}` -> Message the user side sent
  callbacks: new Map(), // `${token}|${callbackId}` -> {from, data, chat_id, message_id}
  callbackAnswers: new Map(), // token -> [answerCallbackQuery calls]
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

/** Keys of a scoped setting: the bot's own first, then the one for every bot. */
function scopedKeys(token, suffix) {
  return token ? [`${token}|${suffix}`, `*|${suffix}`] : [`*|${suffix}`];
}

/** The scope a user-side route writes to: its `token`, or '*' (every bot). */
function scopeOf(body) {
  return body && body.token ? String(body.token) : '*';
}

/** Chat settings from /setChat for this bot (its own over the ones for every bot). */
function chatSettingsFor(token, chatId) {
  const shared = state.chatSettings.get(`*|${chatId}`) || {};
  const own = (token && state.chatSettings.get(`${token}|${chatId}`)) || {};
  return { ...shared, ...own };
}

/** Is the chat a forum (by /setChat, else by the chat object the user side sent)? */
function isForum(token, chatId) {
  return Boolean(chatFor(chatId, token).is_forum);
}

/**
 * A Chat object for a chat id: the one the user side sent, else a guess from the id's sign
 * (a negative id is a supergroup from -10^12 on, else a group); /setChat settings win.
 */
function chatFor(chatId, token) {
  const id = Number(chatId);
  const known = state.chats.get(`${token}|${chatId}`);
  let chat;
  if (known) chat = { ...known };
  else if (id > 0) chat = { id, type: 'private', first_name: `User ${id}` };
  else chat = { id, type: id <= -1000000000000 ? 'supergroup' : 'group', title: `Chat ${id}` };
  return withChatSettings(token, chat);
}

/** The user side's chat object with the /setChat settings applied (what the bot gets). */
function withChatSettings(token, chat) {
  if (!chat || typeof chat !== 'object' || chat.id === undefined) return chat;
  const settings = chatSettingsFor(token, chat.id);
  const result = { ...chat };
  for (const key of ['title', 'type', 'username']) {
    if (settings[key] !== undefined) result[key] = settings[key];
  }
  if (settings.is_forum === true) result.is_forum = true;
  if (settings.is_forum === false) delete result.is_forum;
  return result;
}

function userFor(userId) {
  const known = state.users.get(String(userId));
  if (known) return { ...known };
  return { id: Number(userId), is_bot: false, first_name: `User ${userId}` };
}

/** Remembers the chat (per bot: tests share the emulator) and the user the user side sent. */
function rememberUserSide(body) {
  const message = body.message && typeof body.message === 'object' ? body.message : body;
  if (message.chat && message.chat.id !== undefined) {
    state.chats.set(`${body.botToken}|${message.chat.id}`, { ...message.chat });
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

function userMessageKey(token, chatId, messageId) {
  return `${token}|${chatId}|${messageId}`;
}

/** A message the user side sent to bot `token` in chat `chatId`, as the bot got it. */
function findUserMessage(token, chatId, messageId) {
  const found = state.userMessages.get(userMessageKey(token, chatId, messageId));
  return found ? { ...found } : undefined;
}

/** The id of the message a stored bot message replies to, or undefined. */
function replyTargetId(stored) {
  const parameters = stored.reply_parameters;
  if (parameters && typeof parameters === 'object' && parameters.message_id !== undefined) {
    return Number(parameters.message_id);
  }
  if (stored.reply_to_message_id !== undefined) return Number(stored.reply_to_message_id);
  return undefined;
}

/**
 * Any message of chat `chatId` (the bot's or the user side's) as a Bot API Message; replies are
 * resolved one level deep, like Telegram does.
 */
function findApiMessage(token, chatId, messageId, depth = 0) {
  const record = findBotRecord(token, chatId, messageId);
  if (record) return toApiMessage(record, depth);
  const user = findUserMessage(token, chatId, messageId);
  if (user && depth > 0) delete user.reply_to_message;
  return user;
}

/** Converts a stored bot message record to a Bot API `Message` as the bot would get it. */
function toApiMessage(record, depth = 0) {
  const stored = record.message;
  const chat = chatFor(stored.chat_id, record.botToken);
  const message = {
    message_id: record.messageId,
    from: botFrom(record.botToken),
    chat,
    date: Math.floor(record.time / 1000),
  };
  for (const key of [...CONTENT_FIELDS, 'edit_date', 'message_thread_id']) {
    if (stored[key] !== undefined) message[key] = stored[key];
  }
  if (message.message_thread_id !== undefined && chat.is_forum) message.is_topic_message = true;
  // Only inline keyboards belong to a Message; reply keyboards are not echoed by Telegram.
  if (stored.reply_markup && stored.reply_markup.inline_keyboard) {
    message.reply_markup = stored.reply_markup;
  }
  const replyId = replyTargetId(stored);
  if (replyId !== undefined && depth === 0) {
    const target = findApiMessage(record.botToken, stored.chat_id, replyId, depth + 1);
    if (target) message.reply_to_message = target;
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
    const chunks = [];
    files.push(file);
    stream.on('data', (chunk) => {
      file.size += chunk.length;
      chunks.push(chunk);
    });
    stream.on('end', () => {
      file.data = Buffer.concat(chunks);
      file.sha256 = crypto.createHash('sha256').update(file.data).digest('hex');
    });
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

/** Request parameters with JSON, integer and boolean fields decoded (they arrive as text). */
function decodeParams(raw) {
  const params = { ...raw };
  for (const key of JSON_PARAMS) {
    if (typeof params[key] === 'string') {
      try {
        params[key] = JSON.parse(params[key]);
      } catch (_error) {
        // Not JSON: keep the text as it came.
      }
    }
  }
  for (const key of INT_PARAMS) {
    const value = params[key];
    if (value !== undefined && value !== null && value !== '' && Number.isFinite(Number(value))) {
      params[key] = Number(value);
    }
  }
  for (const key of BOOL_PARAMS) {
    if (params[key] === 'true' || params[key] === 'false') params[key] = params[key] === 'true';
  }
  return params;
}

function requestParams(req) {
  return decodeParams({ ...(req.body || {}), ...(req.query || {}) });
}

/** Parameters of a send method that the stored message keeps besides its content. */
const SEND_OPTIONS = [
  'parse_mode', 'message_thread_id', 'reply_parameters', 'reply_to_message_id', 'reply_markup',
  'disable_notification', 'protect_content', 'show_caption_above_media',
];

/** Answers 400 "message thread not found" when `threadId` is a deleted topic of the chat. */
function checkThread(req, res, chatId, threadId) {
  if (threadId === undefined || threadId === null || threadId === '') return true;
  if (topicState(req.params.token, chatId, threadId).deleted) {
    sendApiError(res, 400, 'Bad Request: message thread not found');
    return false;
  }
  return true;
}

// Telegram's limits, counted after entity parsing in UTF-16 code units (a JS string's length).
const MESSAGE_MAX = 4096;
const CAPTION_MAX = 1024;
const NAMED_ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"' };

/** The text as the reader sees it: for HTML without tags and with entities decoded. */
function shownText(text, parseMode) {
  if (typeof text !== 'string') return '';
  if (String(parseMode || '').toLowerCase() !== 'html') return text;
  return text.replace(/<[^<>]*>/g, '').replace(
    /&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z]+);/g,
    (entity, body) => {
      if (body[0] !== '#') return NAMED_ENTITIES[body] !== undefined ? NAMED_ENTITIES[body] : entity;
      const code = body[1] === 'x' || body[1] === 'X'
        ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      try {
        return String.fromCodePoint(code);
      } catch (_error) {
        return entity;
      }
    },
  );
}

/** Answers 400 as Telegram does for a text over 4096 or a caption over 1024 characters. */
function checkLength(req, res, field) {
  const value = param(req, field);
  if (value === undefined || value === null) return true;
  const shown = shownText(String(value), param(req, 'parse_mode'));
  if (field === 'text' && shown.length > MESSAGE_MAX) {
    sendApiError(res, 400, 'Bad Request: message is too long');
    return false;
  }
  if (field === 'caption' && shown.length > CAPTION_MAX) {
    sendApiError(res, 400, 'Bad Request: message caption is too long');
    return false;
  }
  return true;
}

function handleSendMessage(req, res) {
  const chatId = requireChatId(req, res);
  if (chatId === null) return;
  const text = param(req, 'text');
  if (typeof text !== 'string' || shownText(text, param(req, 'parse_mode')).trim() === '') {
    sendApiError(res, 400, 'Bad Request: message text is empty');
    return;
  }
  if (!checkLength(req, res, 'text')) return;
  const message = { ...requestParams(req), chat_id: chatId };
  if (!checkThread(req, res, chatId, message.message_thread_id)) return;
  const record = storeBotMessage(req.params.token, message);
  sendOk(res, toApiMessage(record));
}

/**
 * copyMessage: the copy is a bot message in the target chat with the original's content (text,
 * caption, media) and `copied_from: {chat_id, message_id}`; the answer is a MessageId. The
 * original is a message the user side sent, or one of the bot's own.
 */
function handleCopyMessage(req, res) {
  const chatId = requireChatId(req, res);
  if (chatId === null) return;
  const { token } = req.params;
  const params = requestParams(req);
  const fromChatId = params.from_chat_id;
  if (fromChatId === undefined || fromChatId === '' || !Number.isInteger(params.message_id)) {
    sendApiError(res, 400, 'Bad Request: from_chat_id and message_id are required');
    return;
  }
  if (!checkLength(req, res, 'caption')) return;
  const record = findBotRecord(token, fromChatId, params.message_id);
  const source = record ? record.message : findUserMessage(token, fromChatId, params.message_id);
  if (!source) {
    sendApiError(res, 400, 'Bad Request: message to copy not found');
    return;
  }
  if (!checkThread(req, res, chatId, params.message_thread_id)) return;
  const message = { chat_id: chatId };
  for (const key of CONTENT_FIELDS) {
    if (source[key] !== undefined) message[key] = JSON.parse(JSON.stringify(source[key]));
  }
  if (message.text === undefined && params.caption !== undefined) {
    message.caption = params.caption;
    if (params.caption_entities !== undefined) message.caption_entities = params.caption_entities;
    else delete message.caption_entities;
  }
  for (const key of SEND_OPTIONS) {
    if (params[key] !== undefined) message[key] = params[key];
  }
  message.copied_from = { chat_id: Number(fromChatId), message_id: params.message_id };
  const copy = storeBotMessage(token, message);
  sendOk(res, { message_id: copy.messageId });
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
    const media = {
      ...newFileIds(field),
      file_name: upload.filename || field,
      mime_type: upload.mimeType,
      file_size: upload.size,
      sha256: upload.sha256, // not a Bot API field: lets the tests check what arrived
    };
    if (upload.data) {
      state.fileContents.set(media.file_id, {
        data: upload.data,
        file_unique_id: media.file_unique_id,
      });
    }
    return { media };
  }
  if (typeof value !== 'string' || value === '') {
    return { error: `Bad Request: there is no ${field} in the request` };
  }
  if (state.invalidFiles.has(value)) {
    return { error: WRONG_FILE_ID };
  }
  const content = state.fileContents.get(value);
  if (content && !state.files.has(value)) {
    return {
      media: {
        file_id: value,
        file_unique_id: content.file_unique_id,
        file_name: field,
        file_size: content.data.length,
        sha256: crypto.createHash('sha256').update(content.data).digest('hex'),
      },
    };
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
  if (media.sha256) base.sha256 = media.sha256; // not a Bot API field: for the tests
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

/**
 * getFile: the file's path for the download route, for a file id with bytes (put by /putFile
 * or uploaded by the bot); 400 like Telegram for one made invalid or never known.
 */
function handleGetFile(req, res) {
  const fileId = param(req, 'file_id');
  if (typeof fileId !== 'string' || fileId === '') {
    sendApiError(res, 400, 'Bad Request: file_id is empty');
    return;
  }
  const content = state.fileContents.get(fileId);
  if (state.invalidFiles.has(fileId) || !content) {
    sendApiError(res, 400, state.invalidFiles.has(fileId) ? WRONG_FILE_ID : 'Bad Request: invalid file_id');
    return;
  }
  sendOk(res, {
    file_id: fileId,
    file_unique_id: content.file_unique_id,
    file_size: content.data.length,
    file_path: `files/${encodeURIComponent(fileId)}`,
  });
}

/** The download of a file getFile gave: https://api.telegram.org/file/bot<token>/<path>. */
function handleFileDownload(req, res) {
  const fileId = decodeURIComponent(req.params.fileId);
  const content = state.fileContents.get(fileId);
  if (!content || state.invalidFiles.has(fileId)) {
    res.status(404).json({ ok: false, error_code: 404, description: 'Not Found' });
    return;
  }
  res.status(200).type('application/octet-stream').send(content.data);
}

/** User side: the bytes behind a file id the user will send ({fileId, fileUniqueId, base64}). */
function handlePutFile(req, res) {
  const { fileId, fileUniqueId, base64 } = req.body || {};
  if (typeof fileId !== 'string' || typeof base64 !== 'string') {
    sendApiError(res, 400, 'Bad Request: fileId and base64 are required');
    return;
  }
  const data = Buffer.from(base64, 'base64');
  state.fileContents.set(fileId, { data, file_unique_id: fileUniqueId || `${fileId}-u` });
  state.invalidFiles.delete(fileId);
  sendOk(res, { size: data.length, sha256: crypto.createHash('sha256').update(data).digest('hex') });
}

/** User side: Telegram forgets a file id (getFile and sends by it answer 400 from now on). */
function handleInvalidateFile(req, res) {
  const { fileId } = req.body || {};
  if (typeof fileId !== 'string') {
    sendApiError(res, 400, 'Bad Request: fileId is required');
    return;
  }
  state.invalidFiles.add(fileId);
  sendOk(res, true);
}

function mediaHandler(kind) {
  return (req, res) => {
    const chatId = requireChatId(req, res);
    if (chatId === null) return;
    if (!checkLength(req, res, 'caption')) return;
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
    const params = requestParams(req);
    for (const key of ['caption', 'caption_entities', ...SEND_OPTIONS]) {
      if (params[key] !== undefined) message[key] = params[key];
    }
    if (!checkThread(req, res, chatId, message.message_thread_id)) return;
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
      if (typeof text !== 'string' || shownText(text, param(req, 'parse_mode')).trim() === '') {
        sendApiError(res, 400, 'Bad Request: message text is empty');
        return;
      }
      if (!checkLength(req, res, 'text')) return;
      if (next.text === undefined) {
        sendApiError(res, 400, 'Bad Request: there is no text in the message to edit');
        return;
      }
      next.text = text;
      next.entities = jsonParam(req, 'entities');
      next.parse_mode = param(req, 'parse_mode');
    } else if (kind === 'caption') {
      if (!checkLength(req, res, 'caption')) return;
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

/** Is `update` (a stored user update) the message `messageId` of chat `chatId`? */
function isUserUpdateOf(update, token, chatId, messageId) {
  return update.botToken === token
    && !('callbackQuery' in update)
    && update.message && update.message.chat
    && String(update.message.chat.id) === String(chatId)
    && (messageId === undefined || update.messageId === messageId);
}

/**
 * Deletes message `messageId` of chat `chatId` of bot `token` (the bot's or the user side's).
 * Unlike the package's deleteMessage it is scoped to the bot and never takes a callback query
 * (whose update shares the next message's id) for a message.
 */
function deleteStoredMessage(token, chatId, messageId) {
  const record = findBotRecord(token, chatId, messageId);
  if (record) {
    emulator.storage.botMessages = emulator.storage.botMessages.filter((r) => r !== record);
    return true;
  }
  const key = userMessageKey(token, chatId, messageId);
  const stored = emulator.storage.userMessages.some(
    (update) => isUserUpdateOf(update, token, chatId, messageId),
  );
  if (!state.userMessages.has(key) && !stored) return false;
  state.userMessages.delete(key);
  emulator.storage.userMessages = emulator.storage.userMessages.filter(
    (update) => !isUserUpdateOf(update, token, chatId, messageId),
  );
  return true;
}

function handleDeleteMessage(req, res) {
  const chatId = requireChatId(req, res);
  if (chatId === null) return;
  const messageId = intParam(req, 'message_id');
  if (messageId === null || !deleteStoredMessage(req.params.token, chatId, messageId)) {
    sendApiError(res, 400, 'Bad Request: message to delete not found');
    return;
  }
  sendOk(res, true);
}

function handleGetChat(req, res) {
  const chatId = requireChatId(req, res);
  if (chatId === null) return;
  sendOk(res, {
    ...chatFor(chatId, req.params.token),
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

/** The membership entry set by /setChatMember (the bot's own scope first), or undefined. */
function memberEntry(token, chatId, userId) {
  for (const key of scopedKeys(token, `${chatId}|${userId}`)) {
    const entry = state.chatMembers.get(key);
    if (entry) return entry;
  }
  return undefined;
}

/** Has the test set any membership of this chat (then unknown users have left it)? */
function hasMemberTable(token, chatId) {
  return scopedKeys(token, String(chatId)).some((key) => state.memberTables.has(key));
}

/**
 * The ChatMember of `userId` in `chatId`: the /setChatMember entry; else the bot itself is an
 * administrator; else "left" in a chat whose membership the test controls (it set at least one
 * member), and "member" in any other chat (so that chats without a table behave as before).
 */
function memberOf(token, chatId, userId) {
  const entry = memberEntry(token, chatId, userId);
  const isBot = Number(userId) === botIdFromToken(token);
  let user = isBot ? botFrom(token) : userFor(userId);
  if (entry && entry.user) user = { ...user, ...entry.user, id: Number(userId) };
  let status = 'member';
  if (entry) status = entry.status;
  else if (isBot) status = 'administrator';
  else if (hasMemberTable(token, chatId)) status = 'left';
  return chatMember(status, user, entry && entry.fields);
}

function handleGetChatMember(req, res) {
  const chatId = requireChatId(req, res);
  if (chatId === null) return;
  const userId = intParam(req, 'user_id');
  if (userId === null) {
    sendApiError(res, 400, 'Bad Request: user_id is empty');
    return;
  }
  sendOk(res, memberOf(req.params.token, chatId, userId));
}

/** getChatAdministrators: the creator/administrators of the table plus the bot itself. */
function handleGetChatAdministrators(req, res) {
  const chatId = requireChatId(req, res);
  if (chatId === null) return;
  const { token } = req.params;
  if (Number(chatId) > 0) {
    sendApiError(res, 400, 'Bad Request: there are no administrators in the private chat');
    return;
  }
  const userIds = new Set([String(botIdFromToken(token))]);
  for (const scope of ['*', token]) {
    const prefix = `${scope}|${chatId}|`;
    for (const key of state.chatMembers.keys()) {
      if (key.startsWith(prefix)) userIds.add(key.slice(prefix.length));
    }
  }
  const members = [...userIds].map((userId) => memberOf(token, chatId, userId));
  const rank = { creator: 0, administrator: 1 };
  sendOk(res, members
    .filter((member) => member.status in rank)
    .sort((a, b) => rank[a.status] - rank[b.status]));
}

// ---------------------------------------------------------------------------------------------
// Forum topics
// ---------------------------------------------------------------------------------------------

/** The topic map of a chat in a scope (a bot token or '*'), created on demand. */
function topicMap(scope, chatId, create) {
  const key = `${scope}|${chatId}`;
  let topics = state.topics.get(key);
  if (!topics && create) {
    topics = new Map();
    state.topics.set(key, topics);
  }
  return topics;
}

/** What bot `token` knows of a thread: {topic (own scope first), deleted (in any scope)}. */
function topicState(token, chatId, threadId) {
  const found = scopedKeys(token, String(chatId))
    .map((key) => state.topics.get(key))
    .filter(Boolean)
    .map((topics) => topics.get(Number(threadId)))
    .filter(Boolean);
  return { topic: found[0], deleted: found.some((topic) => topic.deleted) };
}

/** A topic as a Bot API ForumTopic. */
function forumTopic(topic) {
  const result = {
    message_thread_id: topic.message_thread_id,
    name: topic.name,
    icon_color: topic.icon_color,
  };
  if (topic.icon_custom_emoji_id) result.icon_custom_emoji_id = topic.icon_custom_emoji_id;
  return result;
}

/**
 * Deletes a topic in a scope ('*' = for every bot) with its messages, as Telegram does: the
 * bot's messages of that thread are gone (editing them fails) and the thread is not found.
 */
function deleteTopic(scope, chatId, threadId) {
  const topics = topicMap(scope, chatId, true);
  const topic = topics.get(threadId) || {
    message_thread_id: threadId, name: `Topic ${threadId}`, icon_color: DEFAULT_TOPIC_COLOR,
  };
  topic.deleted = true;
  topics.set(threadId, topic);
  const inScope = (token) => scope === '*' || token === scope;
  emulator.storage.botMessages = emulator.storage.botMessages.filter((record) => !(
    inScope(record.botToken)
    && String(record.message.chat_id) === String(chatId)
    && Number(record.message.message_thread_id) === threadId
  ));
  emulator.storage.userMessages = emulator.storage.userMessages.filter((update) => !(
    inScope(update.botToken)
    && isUserUpdateOf(update, update.botToken, chatId)
    && Number(update.message.message_thread_id) === threadId
  ));
  for (const [key, message] of state.userMessages) {
    const token = key.slice(0, key.indexOf('|'));
    if (inScope(token) && String(message.chat.id) === String(chatId)
        && Number(message.message_thread_id) === threadId) {
      state.userMessages.delete(key);
    }
  }
}

function requireForum(req, res, chatId) {
  if (!isForum(req.params.token, chatId)) {
    sendApiError(res, 400, 'Bad Request: the chat is not a forum');
    return false;
  }
  return true;
}

function handleCreateForumTopic(req, res) {
  const chatId = requireChatId(req, res);
  if (chatId === null || !requireForum(req, res, chatId)) return;
  const params = requestParams(req);
  if (typeof params.name !== 'string' || params.name.trim() === '') {
    sendApiError(res, 400, 'Bad Request: TOPIC_TITLE_EMPTY');
    return;
  }
  // Telegram's thread id is the id of the topic's first (service) message: take one.
  const threadId = emulator.messageId;
  emulator.messageId += 1;
  const topic = {
    message_thread_id: threadId,
    name: params.name,
    icon_color: Number(params.icon_color) || DEFAULT_TOPIC_COLOR,
    icon_custom_emoji_id: params.icon_custom_emoji_id || undefined,
    is_closed: false,
    deleted: false,
  };
  topicMap(req.params.token, chatId, true).set(threadId, topic);
  sendOk(res, forumTopic(topic));
}

/** editForumTopic, closeForumTopic, reopenForumTopic, deleteForumTopic. */
function topicHandler(action) {
  return (req, res) => {
    const chatId = requireChatId(req, res);
    if (chatId === null || !requireForum(req, res, chatId)) return;
    const { token } = req.params;
    const threadId = intParam(req, 'message_thread_id');
    if (threadId === null) {
      sendApiError(res, 400, 'Bad Request: message_thread_id is empty');
      return;
    }
    const { topic: known, deleted } = topicState(token, chatId, threadId);
    if (deleted) {
      sendApiError(res, 400, 'Bad Request: TOPIC_ID_INVALID');
      return;
    }
    // A thread the emulator never saw created (the test hard-coded it) is taken as it comes.
    const topic = known || {
      message_thread_id: threadId,
      name: `Topic ${threadId}`,
      icon_color: DEFAULT_TOPIC_COLOR,
      is_closed: false,
      deleted: false,
    };
    if (!known) topicMap(token, chatId, true).set(threadId, topic);
    const params = requestParams(req);
    if (action === 'edit') {
      if (params.name !== undefined) topic.name = params.name;
      if (params.icon_custom_emoji_id !== undefined) {
        topic.icon_custom_emoji_id = params.icon_custom_emoji_id;
      }
    } else if (action === 'close' || action === 'reopen') {
      if (topic.is_closed === (action === 'close')) {
        sendApiError(res, 400, 'Bad Request: TOPIC_NOT_MODIFIED');
        return;
      }
      topic.is_closed = action === 'close';
    } else if (action === 'delete') {
      deleteTopic(token, chatId, threadId);
    }
    sendOk(res, true);
  };
}

// ---------------------------------------------------------------------------------------------
// Callback answers
// ---------------------------------------------------------------------------------------------

/**
 * answerCallbackQuery: recorded for /getCallbackAnswers with what is known of the query (who
 * pressed which button of which message). A repeated answer is accepted and flagged.
 */
function handleAnswerCallbackQuery(req, res) {
  const { token } = req.params;
  const params = requestParams(req);
  const id = params.callback_query_id;
  if (id === undefined || id === '') {
    sendApiError(res, 400, 'Bad Request: QUERY_ID_INVALID');
    return;
  }
  const query = state.callbacks.get(`${token}|${id}`);
  const answers = state.callbackAnswers.get(token) || [];
  state.callbackAnswers.set(token, answers);
  answers.push({
    callback_query_id: String(id),
    text: params.text === undefined ? null : String(params.text),
    show_alert: params.show_alert === true,
    url: params.url === undefined ? null : String(params.url),
    cache_time: params.cache_time === undefined ? null : Number(params.cache_time),
    time: Date.now(),
    known: Boolean(query),
    duplicate: answers.some((answer) => answer.callback_query_id === String(id)),
    from_id: query ? query.from_id : null,
    data: query ? query.data : null,
    chat_id: query ? query.chat_id : null,
    message_id: query ? query.message_id : null,
  });
  sendOk(res, true);
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
// User side: sending (replaces the package's routes, which answer before knowing any id)
// ---------------------------------------------------------------------------------------------

/** Remembers a message the user side sent, for copyMessage, replies and deleteMessage. */
function rememberUserMessage(token, message) {
  if (!message.chat || message.chat.id === undefined) return;
  state.userMessages.set(userMessageKey(token, message.chat.id, message.message_id), message);
  while (state.userMessages.size > MAX_USER_MESSAGES) {
    state.userMessages.delete(state.userMessages.keys().next().value);
  }
}

/**
 * /sendMessage and /sendCommand: queues the message (as the package does) and answers
 * {message_id, update_id}. A `reply_to_message` with only a `message_id` (or a
 * `reply_to_message_id`) becomes the full current message of that chat; a reply in a forum
 * topic, or a `message_thread_id` in a forum, is a topic message. Sending to a deleted topic
 * answers 400, as it cannot happen in Telegram.
 */
function handleUserMessage(req, res, isCommand) {
  const body = { ...req.body };
  const token = body.botToken;
  body.chat = withChatSettings(token, body.chat);
  const chat = body.chat && typeof body.chat === 'object' ? body.chat : {};
  const chatId = chat.id;
  const forum = chatId !== undefined && (Boolean(chat.is_forum) || isForum(token, chatId));
  let replyId = body.reply_to_message_id;
  delete body.reply_to_message_id;
  const partial = body.reply_to_message;
  if (replyId === undefined && partial && typeof partial === 'object'
      && (partial.date === undefined || partial.chat === undefined)) {
    replyId = partial.message_id;
  }
  if (replyId !== undefined) {
    const target = chatId === undefined ? undefined : findApiMessage(token, chatId, replyId, 1);
    if (!target) {
      sendApiError(res, 400, `Bad Request: message to be replied not found (${replyId})`);
      return;
    }
    body.reply_to_message = target;
    if (body.message_thread_id === undefined && target.message_thread_id !== undefined && forum) {
      body.message_thread_id = target.message_thread_id;
    }
  }
  if (body.message_thread_id !== undefined) {
    body.message_thread_id = Number(body.message_thread_id);
    if (topicState(token, chatId, body.message_thread_id).deleted) {
      sendApiError(res, 400, 'Bad Request: message thread not found');
      return;
    }
    if (body.is_topic_message === undefined && forum) body.is_topic_message = true;
  }
  // The package takes both ids synchronously when the update is created.
  const messageId = emulator.messageId;
  const updateId = emulator.updateId;
  const queued = isCommand ? emulator.addUserCommand(body) : emulator.addUserMessage(body);
  queued.catch((error) => log('user message not delivered:', error));
  const { botToken: _token, ...message } = body;
  rememberUserMessage(token, { ...message, message_id: messageId });
  sendOk(res, { message_id: messageId, update_id: updateId });
}

/** /sendCallback: queues the callback query and answers {callback_query_id, update_id}. */
function handleUserCallback(req, res) {
  const body = { ...req.body };
  body.message = { ...body.message, chat: withChatSettings(body.botToken, body.message.chat) };
  const callbackId = emulator.callbackId;
  const updateId = emulator.updateId;
  emulator.addUserCallback(body).catch((error) => log('callback not delivered:', error));
  state.callbacks.set(`${body.botToken}|${callbackId}`, {
    from_id: body.from ? body.from.id : null,
    data: body.data === undefined ? null : body.data,
    chat_id: body.message.chat.id,
    message_id: body.message.message_id,
  });
  sendOk(res, { callback_query_id: String(callbackId), update_id: updateId });
}

// ---------------------------------------------------------------------------------------------
// User side: what the test controls or reads (chats, members, topics, answers, messages)
// ---------------------------------------------------------------------------------------------

/** A body field under its camelCase or snake_case name. */
function field(body, camel, snake) {
  return body[camel] !== undefined ? body[camel] : body[snake];
}

function handleSetChatMember(req, res) {
  const body = req.body || {};
  const chatId = field(body, 'chatId', 'chat_id');
  const userId = field(body, 'userId', 'user_id');
  const { status } = body;
  if (chatId === undefined || userId === undefined || !MEMBER_STATUSES.has(status)) {
    sendApiError(res, 400, 'Bad Request: chatId, userId and status '
      + `(${[...MEMBER_STATUSES].join('|')}) are required`);
    return;
  }
  const scope = scopeOf(body);
  state.chatMembers.set(`${scope}|${chatId}|${userId}`, {
    status,
    fields: body.fields && typeof body.fields === 'object' ? body.fields : undefined,
    user: body.user && typeof body.user === 'object' ? body.user : undefined,
  });
  state.memberTables.add(`${scope}|${chatId}`);
  sendOk(res, true);
}

function handleSetChat(req, res) {
  const body = req.body || {};
  const chatId = field(body, 'chatId', 'chat_id');
  if (chatId === undefined) {
    sendApiError(res, 400, 'Bad Request: chatId is required');
    return;
  }
  const key = `${scopeOf(body)}|${chatId}`;
  const settings = { ...(state.chatSettings.get(key) || {}) };
  const isForumValue = field(body, 'isForum', 'is_forum');
  if (isForumValue !== undefined) settings.is_forum = Boolean(isForumValue);
  for (const name of ['title', 'type', 'username']) {
    if (body[name] !== undefined) settings[name] = body[name];
  }
  state.chatSettings.set(key, settings);
  sendOk(res, true);
}

function handleDeleteTopic(req, res) {
  const body = req.body || {};
  const chatId = field(body, 'chatId', 'chat_id');
  const threadId = Number(field(body, 'threadId', 'message_thread_id'));
  if (chatId === undefined || !Number.isInteger(threadId)) {
    sendApiError(res, 400, 'Bad Request: chatId and threadId are required');
    return;
  }
  deleteTopic(scopeOf(body), chatId, threadId);
  sendOk(res, true);
}

/** Topics of a chat as bot `token` sees them (created, edited, closed or deleted). */
function handleGetTopics(req, res) {
  const body = req.body || {};
  const chatId = field(body, 'chatId', 'chat_id');
  if (!body.token || chatId === undefined) {
    sendApiError(res, 400, 'Bad Request: token and chatId are required');
    return;
  }
  const threads = new Set();
  for (const key of scopedKeys(body.token, String(chatId))) {
    for (const threadId of (state.topics.get(key) || new Map()).keys()) threads.add(threadId);
  }
  sendOk(res, [...threads].sort((a, b) => a - b).map((threadId) => {
    const { topic, deleted } = topicState(body.token, chatId, threadId);
    return { ...forumTopic(topic), is_closed: Boolean(topic.is_closed), deleted };
  }));
}

function handleGetCallbackAnswers(req, res) {
  const body = req.body || {};
  if (!body.token) {
    sendApiError(res, 400, 'Bad Request: token is required');
    return;
  }
  sendOk(res, state.callbackAnswers.get(String(body.token)) || []);
}

/** The current stored bot message (after edits), plus `apiMessage` as the bot would get it. */
function handleGetMessage(req, res) {
  const body = req.body || {};
  const chatId = field(body, 'chatId', 'chat_id');
  const messageId = field(body, 'messageId', 'message_id');
  if (!body.token || chatId === undefined || messageId === undefined) {
    sendApiError(res, 400, 'Bad Request: token, chatId and messageId are required');
    return;
  }
  const record = findBotRecord(String(body.token), chatId, messageId);
  if (!record) {
    sendApiError(res, 404, `Not Found: no bot message ${messageId} in chat ${chatId}`);
    return;
  }
  sendOk(res, { ...record, apiMessage: toApiMessage(record) });
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
  app.post(['/sendMessage', '/sendCommand', '/sendCallback'], (req, res) => {
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
    if (req.path === '/sendCallback') handleUserCallback(req, res);
    else handleUserMessage(req, res, req.path === '/sendCommand');
  });
  app.post('/getUpdates', handleUserGetUpdates);
  app.post('/setChatMember', handleSetChatMember);
  app.post('/setChat', handleSetChat);
  app.post('/deleteTopic', handleDeleteTopic);
  app.post('/getTopics', handleGetTopics);
  app.post('/getCallbackAnswers', handleGetCallbackAnswers);
  app.post('/getMessage', handleGetMessage);
  app.post('/putFile', handlePutFile);
  app.post('/invalidateFile', handleInvalidateFile);
  app.get('/file/bot:token/files/:fileId', handleFileDownload);
  app.post('/getBotUser', (req, res) => {
    const token = (req.body || {}).token;
    if (!token) sendApiError(res, 400, 'Bad Request: token is required');
    else sendOk(res, botUser(String(token)));
  });

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
  botMethod(app, 'getChatAdministrators', handleGetChatAdministrators);
  botMethod(app, 'copyMessage', handleCopyMessage);
  botMethod(app, 'getFile', handleGetFile);
  botMethod(app, 'answerCallbackQuery', handleAnswerCallbackQuery);
  botMethod(app, 'createForumTopic', handleCreateForumTopic);
  botMethod(app, 'editForumTopic', topicHandler('edit'));
  botMethod(app, 'closeForumTopic', topicHandler('close'));
  botMethod(app, 'reopenForumTopic', topicHandler('reopen'));
  botMethod(app, 'deleteForumTopic', topicHandler('delete'));
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
  app.post('/__chatMember', handleSetChatMember); // older name of /setChatMember
  app.post('/__reset', (_req, res) => {
    server.storage.userMessages = [];
    server.storage.botMessages = [];
    state.callLog = [];
    for (const name of [
      'chatMembers', 'memberTables', 'chatSettings', 'topics', 'userMessages', 'callbacks',
      'callbackAnswers', 'fileContents', 'invalidFiles',
    ]) {
      state[name].clear();
    }
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
