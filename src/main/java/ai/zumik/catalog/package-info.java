/**
 * The bundled model catalogue and model addressing: which bare ids exist, which provider serves
 * them, their kind (chat or embedding), context window and output limits.
 */
package ai.zumik.catalog;
