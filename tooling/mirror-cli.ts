/** Lays the built provider into dist/mirror (run by the build). */
import { writeMirror } from './provider-mirror';

writeMirror();
