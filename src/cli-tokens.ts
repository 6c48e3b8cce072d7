// The CLI's tokens: `--tokens FILE` (a JSON list of named tokens with roles) and the banner's token
// line, which prints a token only to a terminal and otherwise names the file it is in.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { normalizeTokens, type NamedToken } from './http/roles.ts';

export interface ResolvedToken {
  token: string;
  source: 'flag' | 'env' | 'config' | 'file-read' | 'file-new';
  file?: string;
}

export interface TokensFile {
  file: string;
  tokens: NamedToken[];
}

/** Reads and checks the file; throws an Error whose message names the file and what is wrong. */
export async function loadTokensFile(path: string): Promise<TokensFile> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the tokens file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`the tokens file ${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new Error(`the tokens file ${file} must hold a non-empty JSON list of { "name", "token", "role" }`);
  }
  try {
    return { file, tokens: normalizeTokens(undefined, parsed as NamedToken[]) };
  } catch (err) {
    throw new Error(`the tokens file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** What the banner says of the token(s). A token is shown only when `tty`: a log file would keep it. */
export function tokenBannerLine(token: ResolvedToken | undefined, named: TokensFile | undefined, tty: boolean): string {
  const parts: string[] = [];
  if (named) {
    const roles = named.tokens.map((t) => `${t.name} (${t.role})`).join(', ');
    parts.push(`${named.tokens.length} named in ${named.file}: ${roles}`);
  }
  if (token) {
    const shown = tty ? `${token.token}   ` : '';
    if (token.source === 'file-new') parts.push(`${shown}(generated, saved in ${token.file ?? ''}${tty ? '' : '; read it from there'})`);
    else if (token.source === 'file-read') parts.push(`${shown}(from ${token.file ?? ''}${tty ? '' : '; read it from there'})`);
    else parts.push(`(from ${token.source === 'flag' ? '--token' : token.source === 'env' ? 'WARDEN_TOKEN' : 'the config'})`);
  }
  return parts.join('; also ');
}
