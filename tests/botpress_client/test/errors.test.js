'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const {
  ForbiddenError,
  InvalidPayloadError,
  ResourceNotFoundError,
  UnauthorizedError,
  isApiError,
} = require('@botpress/client')
const { bot, setup } = require('../support')

test('an unknown id raises ResourceNotFoundError', async () => {
  const missing = '00000000-0000-7000-8000-000000000000'
  await assert.rejects(bot().getMessage({ id: missing }), (error) => {
    assert.ok(error instanceof ResourceNotFoundError)
    assert.ok(isApiError(error))
    assert.equal(error.code, 404)
    assert.match(error.id, /^err_\d{14}x[0-9A-F]{8}$/)
    return true
  })
})

test('a bad body raises InvalidPayloadError', async () => {
  const { client, conversation } = await setup()
  await assert.rejects(
    client.createMessage({
      payload: { text: 'x' },
      userId: 'too-short',
      conversationId: conversation.id,
      type: 'text',
      tags: {},
    }),
    (error) => error instanceof InvalidPayloadError && error.code === 400,
  )
})

test('a bad token raises UnauthorizedError and a foreign bot id ForbiddenError', async () => {
  await assert.rejects(bot({ token: 'not-a-key' }).listUsers({}), (error) => error instanceof UnauthorizedError)
  await assert.rejects(bot({ botId: 'some-other-bot' }).listUsers({}), (error) => error instanceof ForbiddenError)
})
