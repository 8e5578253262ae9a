export { createMusicApp, type MusicDeps } from './app.js';
export { GENRES, VERSIONS, artistList, artistListBody, type Genre, type Version } from './catalogue.js';
export { readMusicConfig, type MusicConfig } from './config.js';
