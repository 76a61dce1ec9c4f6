/** `tenant-tokens` exit codes: 0 done, 1 the operation failed, 2 usage error. */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;
