export function register() {} // nothing: the bare floor
