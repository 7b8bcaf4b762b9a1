// What a benchmark's bot process and its emulators agree on.

/** The bench's repository names, as the GitHub emulator holds them and the watches name them. */
export const benchRepo = (i: number) => `org${i % 97}/model-${i}`;
