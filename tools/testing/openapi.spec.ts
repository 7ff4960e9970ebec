import { OpenApiResponseValidator } from './openapi';

const document = {
  paths: {
    '/things/{id}': {
      get: {
        responses: {
          '200': {
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/Thing' } },
            },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        properties: { id: { type: 'string', format: 'uuid' }, n: { type: 'integer' } },
        required: ['id', 'n'],
      },
    },
  },
};

describe(OpenApiResponseValidator.name, () => {
  const validator = new OpenApiResponseValidator(document);
  const ok = {
    method: 'GET',
    route: '/things/:id',
    status: 200,
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify({ id: '01a2189a-22ad-7408-a371-7e9ffa893414', n: 1 }),
  };

  it('should accept a response that matches its schema', () => {
    expect(validator.check(ok)).toEqual([]);
  });

  it('should report a body, a status or a content type the document does not have', () => {
    expect(validator.check({ ...ok, body: JSON.stringify({ id: 'x', n: 1.5 }) })).toHaveLength(1);
    expect(validator.check({ ...ok, status: 404 })).toEqual([
      'GET /things/:id → 404: status not documented',
    ]);
    expect(validator.check({ ...ok, contentType: 'text/html' })).toHaveLength(1);
    expect(validator.check({ ...ok, route: '/other' })).toHaveLength(1);
  });
});
