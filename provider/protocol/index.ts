/** The tfplugin6 transport: `serve(definition)` runs a framework.ts provider as a Terraform plugin. */
export { serve } from './serve';
