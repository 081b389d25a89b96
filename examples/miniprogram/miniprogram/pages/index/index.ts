import { signIn } from '../../services/session';
import { describeError } from '../../utils/errors';

// The sign-in gate: wx.login through the SDK, then the conversation list, or the approval screen for a pending user.
Component({
  data: {
    status: 'loading' as 'loading' | 'pending' | 'blocked' | 'error',
    approvalCode: '',
    message: '',
  },

  methods: {
    onLoad() {
      void this.check(false);
    },

    onCheck() {
      void this.check(true);
    },

    onRetry() {
      void this.check(false);
    },

    async check(refresh: boolean) {
      this.setData({ status: 'loading' });
      try {
        const session = await signIn(refresh);
        if (session.status === 'active') {
          wx.redirectTo({ url: '/pages/conversations/index' });
          return;
        }
        this.setData({ status: session.status, approvalCode: session.approvalCode || '' });
      } catch (error) {
        this.setData({ status: 'error', message: describeError(error) });
      }
    },
  },
});
