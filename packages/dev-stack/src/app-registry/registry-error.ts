/** An app that cannot be run as registered (a bad `launch.json`, a missing export, a clash): fixed in the app, so one line says where. */
export class AppRegistryError extends Error {}
