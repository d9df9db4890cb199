// `rm`: removing a kept container, as its lifecycle allows.

import { RuntimeError } from '../errors.js';
import { type ContainerRecord, canRemove, isContainerId, noSuchContainer } from './record.js';
import { type ContainerStore, findContainer } from './store.js';

export interface RemoveOptions {
  /** Docker's `rm -f`: a missing container is not an error (undefined is returned). */
  force?: boolean;
}

/**
 * Removes `nameOrId` (record, saved layer, name) and returns its record (only its id for a damaged
 * one). ERR_NOT_FOUND when there is none (unless forced); ERR_CONFLICT when its state forbids removal.
 */
export async function removeContainer(
  containers: ContainerStore,
  nameOrId: string,
  options: RemoveOptions = {},
): Promise<Pick<ContainerRecord, 'id'> | ContainerRecord | undefined> {
  let record: ContainerRecord | undefined;
  try {
    record = await findContainer(containers, nameOrId);
  } catch (error) {
    // A damaged record (unreadable: ERR_HOST_IO) still goes with -f when named by its full id.
    const damaged = error instanceof RuntimeError && error.code === 'ERR_HOST_IO';
    if (damaged && options.force && isContainerId(nameOrId) && (await containers.remove(nameOrId))) {
      return { id: nameOrId };
    }
    throw error;
  }
  if (!record) {
    if (options.force) return undefined;
    throw noSuchContainer(nameOrId);
  }
  if (!canRemove(record.state, options.force)) {
    throw new RuntimeError(
      'ERR_CONFLICT',
      `You cannot remove a ${record.state} container ${record.id}. Stop the container before attempting removal or force remove`,
    );
  }
  // A store removal that finds nothing means another process removed it first: same outcome.
  await containers.remove(record.id);
  return record;
}
