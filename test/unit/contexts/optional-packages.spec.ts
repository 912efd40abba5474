describe('importing nestjs-cached', () => {
  it('never loads the GraphQL, microservice or websocket packages', () => {
    const loaded: string[] = [];
    for (const name of [
      '@nestjs/graphql',
      '@nestjs/microservices',
      '@nestjs/websockets',
      'graphql',
    ]) {
      jest.doMock(name, () => {
        loaded.push(name);
        return {};
      });
    }
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const root = require('nestjs-cached');
      expect(typeof root.Cached).toBe('function');
    });
    expect(loaded).toEqual([]);
  });
});
