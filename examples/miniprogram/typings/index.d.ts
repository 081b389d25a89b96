/// <reference types="miniprogram-api-typings" />

interface IAppOption {
  globalData: Record<string, never>;
}
