/** shortgpt's version, written into every report and output folder. @module */
export const version = "0.1.0";
