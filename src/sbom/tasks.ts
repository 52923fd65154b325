/**
 * What a Hugging Face pipeline tag says about a model: its domain (SPDX ai_domain, dataset_datasetType)
 * and the kinds of data it takes and gives (CycloneDX modelParameters inputs/outputs). Tags from the Hub's
 * task list (huggingface.js packages/tasks pipelines.ts).
 */

export type TaskDomain = "natural language processing" | "computer vision" | "audio" | "multimodal" | "tabular" | "reinforcement learning" | "other";

export interface TaskInfo {
  domain: TaskDomain;
  inputs: string[];
  outputs: string[];
}

const T = (domain: TaskDomain, inputs: string[], outputs: string[]): TaskInfo => ({ domain, inputs, outputs });

const TASKS: Readonly<Record<string, TaskInfo>> = {
  "text-generation": T("natural language processing", ["text"], ["text"]),
  "text2text-generation": T("natural language processing", ["text"], ["text"]),
  "text-classification": T("natural language processing", ["text"], ["label"]),
  "token-classification": T("natural language processing", ["text"], ["label"]),
  "zero-shot-classification": T("natural language processing", ["text"], ["label"]),
  "question-answering": T("natural language processing", ["text"], ["text"]),
  "table-question-answering": T("natural language processing", ["table", "text"], ["text"]),
  "fill-mask": T("natural language processing", ["text"], ["text"]),
  summarization: T("natural language processing", ["text"], ["text"]),
  translation: T("natural language processing", ["text"], ["text"]),
  conversational: T("natural language processing", ["text"], ["text"]),
  "sentence-similarity": T("natural language processing", ["text"], ["score"]),
  "feature-extraction": T("natural language processing", ["text"], ["embedding"]),
  "text-ranking": T("natural language processing", ["text"], ["score"]),
  "image-classification": T("computer vision", ["image"], ["label"]),
  "object-detection": T("computer vision", ["image"], ["bounding-boxes"]),
  "image-segmentation": T("computer vision", ["image"], ["mask"]),
  "depth-estimation": T("computer vision", ["image"], ["image"]),
  "image-to-image": T("computer vision", ["image"], ["image"]),
  "image-feature-extraction": T("computer vision", ["image"], ["embedding"]),
  "unconditional-image-generation": T("computer vision", [], ["image"]),
  "zero-shot-image-classification": T("computer vision", ["image", "text"], ["label"]),
  "zero-shot-object-detection": T("computer vision", ["image", "text"], ["bounding-boxes"]),
  "mask-generation": T("computer vision", ["image"], ["mask"]),
  "video-classification": T("computer vision", ["video"], ["label"]),
  "automatic-speech-recognition": T("audio", ["audio"], ["text"]),
  "audio-classification": T("audio", ["audio"], ["label"]),
  "text-to-speech": T("audio", ["text"], ["audio"]),
  "text-to-audio": T("audio", ["text"], ["audio"]),
  "audio-to-audio": T("audio", ["audio"], ["audio"]),
  "voice-activity-detection": T("audio", ["audio"], ["label"]),
  "text-to-image": T("multimodal", ["text"], ["image"]),
  "image-to-text": T("multimodal", ["image"], ["text"]),
  "image-text-to-text": T("multimodal", ["image", "text"], ["text"]),
  "visual-question-answering": T("multimodal", ["image", "text"], ["text"]),
  "document-question-answering": T("multimodal", ["image", "text"], ["text"]),
  "text-to-video": T("multimodal", ["text"], ["video"]),
  "any-to-any": T("multimodal", ["any"], ["any"]),
  "tabular-classification": T("tabular", ["table"], ["label"]),
  "tabular-regression": T("tabular", ["table"], ["number"]),
  "time-series-forecasting": T("tabular", ["time-series"], ["time-series"]),
  "reinforcement-learning": T("reinforcement learning", ["observation"], ["action"]),
  robotics: T("reinforcement learning", ["observation"], ["action"]),
};

/** The task's domain and data kinds; undefined for a tag we do not know. */
export function taskInfo(pipelineTag: string | undefined): TaskInfo | undefined {
  return pipelineTag === undefined ? undefined : TASKS[pipelineTag];
}

/** SPDX dataset_datasetType for a model's domain (what its training data most likely is). */
export function datasetTypeFor(domain: TaskDomain | undefined): string {
  switch (domain) {
    case "natural language processing":
      return "text";
    case "computer vision":
      return "image";
    case "audio":
      return "audio";
    case "tabular":
      return "structured";
    default:
      return "noAssertion";
  }
}
