/** terraform-provider-authority: started by terraform, never by hand. */
import { serve } from './protocol';
import { authorityProvider } from './provider';

void serve(authorityProvider());
