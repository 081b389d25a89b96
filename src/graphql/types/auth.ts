import type { AuthService, AuthSession, UserView } from '../../auth/auth-service.ts';
import { AppError } from '../../contract/errors.ts';
import { USER_STATUSES } from '../../store/schema.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';

const UserStatusRef = builder.enumType('UserStatus', {
  description: 'active: may chat; pending: waits for the operator (show approvalCode); blocked: refused everywhere.',
  values: USER_STATUSES,
});

const UserRef = builder.objectRef<UserView>('User').implement({
  description: 'The signed-in user (an API key reads as an active user named after the key).',
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.field({ type: UserStatusRef, resolve: (u) => u.status }),
    approvalCode: t.exposeString('approvalCode', {
      nullable: true,
      description: 'While pending: the short code to show the operator, who approves it with `npm run admin`.',
    }),
  }),
});

const AuthSessionRef = builder.objectRef<AuthSession>('AuthSession').implement({
  description:
    'Send accessToken as `Authorization: Bearer`; before it expires (or on TOKEN_EXPIRED) call refreshSession.',
  fields: (t) => ({
    accessToken: t.exposeString('accessToken'),
    expiresIn: t.exposeInt('expiresIn', { description: 'Seconds until accessToken expires.' }),
    refreshToken: t.exposeString('refreshToken', {
      description: 'Single use: each refresh returns a new one; presenting a used one ends the session everywhere.',
    }),
    user: t.field({ type: UserRef, resolve: (s) => s.user }),
  }),
});

function authOf(ctx: GraphQLContext): AuthService {
  if (!ctx.auth) throw new AppError('NOT_FOUND', 'WeChat sign-in is not configured on this server (WECHAT_APPID).');
  return ctx.auth;
}

builder.queryField('me', (t) =>
  t.field({
    type: UserRef,
    description: "The caller: its status tells a mini-program to show 'waiting for approval' instead of retrying.",
    resolve: (_root, _args, ctx) =>
      ctx.auth ? ctx.auth.me(ctx.principal) : { id: ctx.principal.id, status: 'active' as const, approvalCode: null },
  }),
);

builder.mutationFields((t) => ({
  signInWithWechat: t.field({
    type: AuthSessionRef,
    description: 'Exchanges a wx.login() code for a session. Needs no credentials.',
    args: { code: t.arg.string({ required: true }) },
    resolve: (_root, { code }, ctx) => authOf(ctx).signInWithWechat(code, ctx.clientIp),
  }),
  refreshSession: t.field({
    type: AuthSessionRef,
    description:
      'A new access token and refresh token for a refresh token (which stops working). Needs no credentials.',
    args: { refreshToken: t.arg.string({ required: true }) },
    resolve: (_root, { refreshToken }, ctx) => authOf(ctx).refresh(refreshToken, ctx.clientIp),
  }),
  signOut: t.boolean({
    description: "Ends the caller's session: its refresh token and access tokens stop working.",
    resolve: (_root, _args, ctx) => authOf(ctx).signOut(ctx.principal),
  }),
}));
