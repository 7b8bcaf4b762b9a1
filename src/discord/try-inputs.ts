// The image and file options of /try and /compare: what can be judged is judged before the
// interaction is acknowledged (size, whether the model sees images, the first bytes), so a wrong
// attachment gets a private answer and nothing goes upstream; the rest is read afterwards.
import type { Attachment } from 'discord.js';
import { UserError } from '../errors.ts';
import type { Hub } from '../hub.ts';
import {
  checkImageSize,
  checkTextHead,
  fileNote,
  imagePart,
  notAnImage,
  promptWithFile,
  readTextFile,
  sniffImage,
} from '../models/attachments.ts';
import type { CatalogModel } from '../models/catalog.ts';
import type { ImagePart } from '../models/provider.ts';
import { estimateTokens } from '../models/threads.ts';
import { AttachmentDownload } from './attachment-download.ts';

/** Discord's own upload limit without boosts; nothing larger is read. */
const FILE_MAX_BYTES = 10 * 1024 * 1024;
const TEXT_HEAD_BYTES = 64 * 1024;

export interface OpenedInputs {
  /** Reads the rest and builds the user turn: the prompt (file inlined) and its images. */
  complete(): Promise<{ content: string; images: ImagePart[]; note: string | undefined }>;
  cancel(): void;
}

export async function openInputs(
  hub: Hub,
  options: {
    models: CatalogModel[];
    prompt: string;
    system: string | undefined;
    maxTokens: number;
    image: Attachment | null;
    file: Attachment | null;
  },
): Promise<OpenedInputs> {
  const settings = hub.config.models;
  const { image, file, models } = options;
  if (image) {
    const blind = models.filter((m) => !m.vision);
    if (blind.length) {
      const vision = hub.models.service.catalog.visionModels().map((m) => m.name);
      throw new UserError(
        `${blind.map((m) => m.name).join(' and ')} cannot see images.${vision.length ? ` Models that can: ${vision.join(', ')}.` : ''}`,
      );
    }
    checkImageSize(image.name, image.size, settings.imageMaxBytes);
  }
  if (file && file.size > FILE_MAX_BYTES)
    throw new UserError(`${file.name} is larger than 10 MB; send a smaller text file.`);
  const downloads: AttachmentDownload[] = [];
  const cancel = () => {
    for (const d of downloads) d.cancel();
  };
  try {
    let imageDownload: AttachmentDownload | undefined;
    if (image) {
      imageDownload = await AttachmentDownload.open(image.url, image.name);
      downloads.push(imageDownload);
      if (!sniffImage(await imageDownload.head(16))) throw notAnImage(image.name);
    }
    let fileDownload: AttachmentDownload | undefined;
    if (file) {
      fileDownload = await AttachmentDownload.open(file.url, file.name);
      downloads.push(fileDownload);
      checkTextHead(file.name, await fileDownload.head(TEXT_HEAD_BYTES), file.size <= TEXT_HEAD_BYTES);
    }
    return {
      cancel,
      async complete() {
        const images = imageDownload
          ? [imagePart(image!.name, await imageDownload.all(settings.imageMaxBytes), settings.imageMaxBytes)]
          : [];
        if (!fileDownload) return { content: options.prompt, images, note: undefined };
        const bytes = await fileDownload.all(FILE_MAX_BYTES);
        const promptTokens =
          estimateTokens(options.prompt) + estimateTokens(options.system ?? '') + images.length * 1024;
        const text = readTextFile(file!.name, bytes, {
          maxChars: settings.fileMaxChars,
          // Both /compare models get the same file: it must fit the smaller context.
          contextLength: Math.min(...models.map((m) => m.contextLength)),
          promptTokens,
          answerTokens: options.maxTokens,
        });
        return {
          content: promptWithFile(options.prompt, file!.name, text),
          images,
          note: fileNote(file!.name, text),
        };
      },
    };
  } catch (error) {
    cancel();
    throw error;
  }
}

/**
 * The route check and the first bytes of the attachments run side by side (both count against
 * Discord's 3 seconds); when either refuses, the downloads already started are dropped.
 */
export async function beforeDeferral<R>(
  route: Promise<R>,
  inputs: Promise<OpenedInputs>,
): Promise<[R, OpenedInputs]> {
  const [routed, opened] = await Promise.allSettled([route, inputs]);
  if (routed.status === 'rejected') {
    if (opened.status === 'fulfilled') opened.value.cancel();
    throw routed.reason;
  }
  if (opened.status === 'rejected') throw opened.reason;
  return [routed.value, opened.value];
}
