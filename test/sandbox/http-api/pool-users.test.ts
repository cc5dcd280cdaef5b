import { describe, expect, it } from 'vitest';
import { LocalPoolUsers } from '../../../sandbox/emulators/http-api/pool-users.ts';

describe('LocalPoolUsers', () => {
  it('gives a user signing in by a name kept in an attribute a generated sub, the same at every sign-in', () => {
    // Prepare
    const users = new LocalPoolUsers('custom:employee_id');

    // Act
    const first = users.userFor('E-1');
    const again = users.userFor('E-1');
    const other = users.userFor('E-2');

    // Assess
    expect(first).toEqual({
      sub: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      username: 'E-1',
      attributes: { 'custom:employee_id': 'E-1' },
    });
    expect(again).toBe(first);
    expect(other.sub).not.toBe(first.sub);
  });

  it('makes the name the sub when no attribute is named', () => {
    // Prepare
    const users = new LocalPoolUsers();

    // Act
    const user = users.userFor('user-1');

    // Assess
    expect(user).toEqual({ sub: 'user-1', username: 'user-1', attributes: {} });
  });
});
