// The pages do the work; the app only exists so WeChat has an entry point (sign-in is the first page).
App<IAppOption>({
  globalData: {},
});
