import { openSync, readSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/**
 * Random bytes drawn from the kernel at the moment they are needed.
 *
 * Why not node:crypto alone: OpenSSL's user-space generator, and the buffers Node fills ahead of time for
 * randomInt/randomUUID, live in process memory. A SnapStart snapshot copies that memory into every
 * environment restored from it, so two environments would hand out the same "random" values until
 * OpenSSL reseeds. The kernel's generator is reseeded when a Firecracker microVM is restored (VM
 * generation ID), so a read from /dev/urandom after a restore is fresh. Where there is no /dev/urandom
 * (Windows), node:crypto is the best there is.
 */
let urandom: number | null | undefined;

function urandomFd(): number | null {
  if (urandom === undefined) {
    try {
      urandom = openSync('/dev/urandom', 'r');
    } catch {
      urandom = null;
    }
  }
  return urandom;
}

export function freshRandomBytes(size: number): Buffer {
  const fd = urandomFd();
  if (fd === null) return randomBytes(size);
  const buffer = Buffer.alloc(size);
  let filled = 0;
  while (filled < size) filled += readSync(fd, buffer, filled, size - filled, null);
  return buffer;
}

/** A sampling seed for a request that gave none: OpenAI's semantics are "no seed, no determinism". */
export function freshSeed(): number {
  return freshRandomBytes(4).readUInt32LE(0);
}

/** An RFC 4122 version 4 UUID from fresh bytes. */
export function freshUuid(): string {
  const bytes = freshRandomBytes(16);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

