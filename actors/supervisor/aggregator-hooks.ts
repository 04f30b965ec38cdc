// kube-aggregator's post-start hooks: the extension-apiserver-authentication ConfigMap
// (start-cluster-authentication-info-controller), and every Local APIService in place
// (apiservice-registration-controller, which kube's readyz calls autoregister-completion).

import { publishAuthenticationInfo } from '../aggregator/authentication-info.js';
import type { PostStartHook } from './bootstrap.js';
import type { Runtime } from './runtime.js';
import type { RuntimeFiles } from './runtime-files.js';

export function aggregatorHooks(runtime: Runtime, files: RuntimeFiles | undefined): PostStartHook[] {
  return [
    {
      name: 'start-cluster-authentication-info-controller',
      run: () => publishAuthenticationInfo(runtime.stores.get('configmaps'), { clientCaPem: files?.clientCa?.pem, requestHeaderCaPem: files?.frontProxy.requestHeaderCaPem }),
    },
    {
      name: 'apiservice-registration-controller',
      run: () => new Promise<void>((resolve) => {
        const autoregister = runtime.children.find((c) => c.id === 'autoregister');
        if (!autoregister) return resolve();
        autoregister.send({ type: 'autoregister.await-synced', replyTo: { send: () => resolve() } });
      }),
    },
  ];
}
