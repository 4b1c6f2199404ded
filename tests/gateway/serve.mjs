// The real Wechaty puppet-service gateway (wechaty-puppet-service's PuppetServer, TypeScript) over the mock puppet,
// with a small world of contacts and rooms, for tests/transports/test_gateway_interop.py.
//
//   node serve.mjs '<config JSON>'
//   config: {port, token, tls: false, login: true, qrcode, self: {id, name}, contacts: [{id, name}],
//            rooms: [{id, topic, members: [ids]}]}
//
// stdin, one JSON command a line:  {"op": "say", "from": id, "room": id | "to": id, "text": "...", "mentions": [ids]}
//   {"op": "rename", "id": id, "name": "..."}   (then the puppet's `dirty` event for that contact)
//   {"op": "stop"} / {"op": "start"}            (the gRPC server goes away / comes back on the same port)
//   {"op": "exit"}
// stdout, one JSON event a line: {"event": "listening"|"stopped"|"renamed"|"said"},
//   {"event": "sent", "conversation": id, "text": "...", "mentions": [ids], "at": ms} for every MessageSendText, and
//   {"event": "read", "id": id, "talker": id} for every MessagePayload a client asks for (the bot read that message).
// The mock drops mention ids on send; MentionKeepingMock keeps them (and echoes the message back with them).
import readline from 'node:readline'

import * as PUPPET from 'wechaty-puppet'
import { PuppetMock, mock } from 'wechaty-puppet-mock'
import { PuppetServer } from 'wechaty-puppet-service'

const config = JSON.parse(process.argv[2] || '{}')
const emit = (event) => process.stdout.write(JSON.stringify({ ...event, at: Date.now() }) + '\n')

class MentionKeepingMock extends PuppetMock {
  async messageSendText (conversationId, text, mentionIdList = []) {
    const mentions = [...(mentionIdList || [])]
    emit({ event: 'sent', conversation: conversationId, text, mentions })
    const user = this.mocker.ContactMock.load(this.currentUserId)
    const conversation = conversationId.includes('@')
      ? this.mocker.RoomMock.load(conversationId)
      : this.mocker.ContactMock.load(conversationId)
    // a real gateway delivers the bot's own message back: so does this one
    user.say(text, mentions.map(id => this.mocker.ContactMock.load(id))).to(conversation)
  }

  async messagePayload (id) {  // called by the server for the client's MessagePayload request, and only for it
    const payload = await super.messagePayload(id)
    emit({ event: 'read', id, talker: payload.talkerId || payload.fromId })
    return payload
  }
}

const mocker = new mock.Mocker()
const self = mocker.createContact({ id: config.self?.id || 'wxid_bot', name: config.self?.name || '督导助手' })
for (const c of config.contacts || []) mocker.createContact({ id: c.id, name: c.name, alias: '' })
for (const r of config.rooms || []) {
  mocker.createRoom({ id: r.id, topic: r.topic, memberIdList: [self.id, ...r.members], adminIdList: [] })
}
// runs on every puppet start (the client's Start RPC): log in, or ask for a QR scan
mocker.use(m => {
  if (config.login === false) {
    m.scan(config.qrcode || 'https://login.weixin.qq.com/l/dudao-test', PUPPET.types.ScanStatus.Waiting)
  } else {
    m.login(self)
  }
  return () => {}
})
const puppet = new MentionKeepingMock({ mocker })

const serverOptions = {
  endpoint: `127.0.0.1:${config.port}`,
  puppet,
  token: config.token,
  tls: { disable: !config.tls },
}
let server

async function start () {
  server = new PuppetServer(serverOptions)
  await server.start()
  emit({ event: 'listening', port: config.port, tls: !!config.tls })
}

async function stop () {
  const running = server
  server = undefined
  if (running) await running.stop()
  emit({ event: 'stopped' })
}

const contact = id => mocker.ContactMock.load(id)

async function handle (command) {
  switch (command.op) {
    case 'say': {
      const conversation = command.room ? mocker.RoomMock.load(command.room) : contact(command.to || self.id)
      contact(command.from).say(command.text, (command.mentions || []).map(contact)).to(conversation)
      emit({ event: 'said', from: command.from, text: command.text })
      break
    }
    case 'rename': {
      const payload = { ...mocker.contactPayload(command.id), name: command.name }
      mocker.contactPayload(command.id, payload)
      contact(command.id).payload = payload
      puppet.dirtyPayload(PUPPET.types.Dirty.Contact, command.id)
      emit({ event: 'renamed', id: command.id, name: command.name })
      break
    }
    case 'stop': await stop(); break
    case 'start': await start(); break
    case 'exit': await stop(); process.exit(0); break
    default: emit({ event: 'error', message: `unknown op ${command.op}` })
  }
}

readline.createInterface({ input: process.stdin }).on('line', line => {
  if (!line.trim()) return
  handle(JSON.parse(line)).catch(e => emit({ event: 'error', message: String(e && e.stack || e) }))
}).on('close', () => { stop().finally(() => process.exit(0)) })

process.on('SIGTERM', () => { stop().finally(() => process.exit(0)) })
await start()
