import type { WxSimulator } from '../sdk/wx-simulator.ts';

type Listener = () => void;

export interface ModalAnswer {
  confirm: boolean;
  content?: string;
}

export interface PickedImage {
  tempFilePath: string;
  size: number;
}

export interface PickedFile {
  path: string;
  name: string;
  size: number;
}

/** What the test drives and reads on the mini-program side: the `wx` APIs the example uses. */
export interface WxHarness {
  /** Local "temp files" that `getFileSystemManager().readFile` serves. */
  files: Map<string, Buffer>;
  toasts: string[];
  navigations: string[];
  titles: string[];
  stoppedPullDownRefresh: number;
  /** Answers for the next `showModal` calls, in order; a call with none left is cancelled. */
  modalAnswers: ModalAnswer[];
  /** Taps for the next `showActionSheet` calls (the item index), in order; a call with none left is cancelled. */
  actionSheetAnswers: number[];
  nextImages: PickedImage[];
  nextFiles: PickedFile[];
  /**
   * The WeChat user on this phone: `wx.login` hands out fresh codes `code-<account>-<n>`, which the fake WeChat API
   * maps to openid `o_<account>`. Change it to be someone else from the next sign-in on.
   */
  account: string;
  /** `wx.setStorageSync` and friends. */
  storage: Map<string, unknown>;
  /** The app goes to the background: onAppHide listeners, then WeChat cuts open requests and blocks new ones. */
  hide(): void;
  /** Back to the foreground: requests work again, onAppShow listeners run. */
  show(): void;
}

/**
 * Replaces the `wx` APIs miniprogram-simulate leaves as no-ops (or lacks) with recording fakes; `wx.request` is the
 * SDK tests' simulator, talking to the real server over loopback.
 */
export function installWx(simulator: WxSimulator): WxHarness {
  const shows = new Set<Listener>();
  const hides = new Set<Listener>();
  const harness: WxHarness = {
    files: new Map(),
    toasts: [],
    navigations: [],
    titles: [],
    stoppedPullDownRefresh: 0,
    modalAnswers: [],
    actionSheetAnswers: [],
    nextImages: [],
    nextFiles: [],
    account: 'mini-user',
    storage: new Map(),
    hide() {
      for (const listener of [...hides]) listener();
      simulator.interruptOpenRequests();
      simulator.setOffline(true);
    },
    show() {
      simulator.setOffline(false);
      for (const listener of [...shows]) listener();
    },
  };
  const later = (callback: () => void) => setTimeout(callback, 0);
  let logins = 0;
  const fakes = {
    request: simulator.wx.request,
    getFileSystemManager: () => ({
      readFile(options: {
        filePath: string;
        encoding: string;
        success(result: { data: string }): void;
        fail(result: { errMsg: string }): void;
      }) {
        const bytes = harness.files.get(options.filePath);
        later(() =>
          bytes
            ? options.success({ data: bytes.toString('base64') })
            : options.fail({ errMsg: `readFile:fail no such file ${options.filePath}` }),
        );
      },
    }),
    chooseMedia(options: { success(result: { tempFiles: PickedImage[]; type: string }): void }) {
      const picked = harness.nextImages.splice(0);
      later(() => options.success({ tempFiles: picked, type: 'image' }));
    },
    chooseMessageFile(options: { success(result: { tempFiles: PickedFile[] }): void }) {
      const picked = harness.nextFiles.splice(0);
      later(() => options.success({ tempFiles: picked }));
    },
    showModal(options: { success?(result: { confirm: boolean; cancel: boolean; content?: string }): void }) {
      const answer = harness.modalAnswers.shift() ?? { confirm: false };
      later(() => options.success?.({ confirm: answer.confirm, cancel: !answer.confirm, content: answer.content }));
    },
    showActionSheet(options: {
      success?(result: { tapIndex: number }): void;
      fail?(result: { errMsg: string }): void;
    }) {
      const tap = harness.actionSheetAnswers.shift();
      later(() =>
        tap === undefined
          ? options.fail?.({ errMsg: 'showActionSheet:fail cancel' })
          : options.success?.({ tapIndex: tap }),
      );
    },
    showToast(options: { title: string }) {
      harness.toasts.push(options.title);
    },
    navigateTo(options: { url: string }) {
      harness.navigations.push(options.url);
    },
    redirectTo(options: { url: string }) {
      harness.navigations.push(options.url);
    },
    setNavigationBarTitle(options: { title: string }) {
      harness.titles.push(options.title);
    },
    stopPullDownRefresh() {
      harness.stoppedPullDownRefresh++;
    },
    login(options: { success?(result: { code: string }): void }) {
      // Numbered apart from the SDK tests' phones (withWechatAccount counts from 1): each code is single-use.
      const code = `code-${harness.account}-${900_000 + ++logins}`;
      later(() => options.success?.({ code }));
    },
    getStorageSync: (key: string) => (harness.storage.has(key) ? harness.storage.get(key) : ''),
    setStorageSync: (key: string, value: unknown) => harness.storage.set(key, value),
    removeStorageSync: (key: string) => harness.storage.delete(key),
    setClipboardData() {},
    previewImage() {},
    onAppShow: (listener: Listener) => shows.add(listener),
    offAppShow: (listener: Listener) => shows.delete(listener),
    onAppHide: (listener: Listener) => hides.add(listener),
    offAppHide: (listener: Listener) => hides.delete(listener),
  };
  Object.assign((globalThis as unknown as { wx: object }).wx, fakes);
  return harness;
}
