import { createWxSimulator, type WxSimulator } from '../sdk/wx-simulator.ts';
import { type ExampleConfig, type ExampleProject, prepareExampleProject } from './example-project.ts';
import { simulate } from './pages.ts';
import { installWx, type WxHarness } from './wx-harness.ts';

export interface SimulatedPhone {
  project: ExampleProject;
  simulator: WxSimulator;
  wx: WxHarness;
}

/**
 * A phone running the example: the project built for `config.baseUrl`, WeChat's component simulator set up, and a
 * global `wx` backed by the SDK tests' wx.request simulator (`seed` makes its network timing repeatable).
 */
export async function openPhone(
  config: ExampleConfig,
  options: { seed: number; account?: string },
): Promise<SimulatedPhone> {
  const project = await prepareExampleProject(config);
  simulate();
  const simulator = createWxSimulator({ seed: options.seed });
  const wx = installWx(simulator);
  if (options.account) wx.account = options.account;
  return { project, simulator, wx };
}
