import { checkSession } from '../../services/session';
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

    /** "我已通过": the operator approved (or not yet); the stored session is asked again. */
    onCheck() {
      void this.check(false);
    },

    /** After a failure (e.g. no network): a fresh wx.login sign-in. */
    onRetry() {
      void this.check(true);
    },

    async check(fresh: boolean) {
      this.setData({ status: 'loading' });
      try {
        const session = await checkSession(fresh);
        if (session.status === 'active') {
          wx.redirectTo({ url: '/pages/conversations/index' });
          return;
        }
        this.setData({ status: session.status, approvalCode: session.approvalCode });
      } catch (error) {
        this.setData({ status: 'error', message: describeError(error) });
      }
    },
  },
});
