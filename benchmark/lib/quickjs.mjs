// The plain-JS filters run by QuickJS (quickjs-emscripten): their source is
// evaluated once in a context, then each call passes the string in, calls the
// function and reads the string out, disposing every handle it made.
import { getQuickJS } from 'quickjs-emscripten';

import { JS_FILTERS, filterSource } from './js-filters.mjs';

/** { filters: name -> sync function, close() }. */
export async function loadQuickJSFilters() {
  const quickjs = await getQuickJS();
  const vm = quickjs.newContext();
  vm.unwrapResult(vm.evalCode(filterSource(), 'js-filters.js')).dispose();
  const handles = [];
  const filters = {};
  for (const [name, fn] of Object.entries(JS_FILTERS)) {
    const handle = vm.getProp(vm.global, fn.name);
    if (vm.typeof(handle) !== 'function') throw new Error(`QuickJS: ${fn.name} is not defined`);
    handles.push(handle);
    filters[name] = (input) => {
      const arg = vm.newString(input);
      const result = vm.callFunction(handle, vm.undefined, arg);
      arg.dispose();
      const output = vm.unwrapResult(result);
      try {
        return vm.getString(output);
      } finally {
        output.dispose();
      }
    };
  }
  return {
    filters,
    close() {
      for (const handle of handles) handle.dispose();
      vm.dispose();
    },
  };
}
