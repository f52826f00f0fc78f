/** The examples/app directory. */
export declare const appDir: string
/** Builds the adapter and packs it into examples/app/vendor/payload-db-dynamodb.tgz. */
export declare function packAdapter(): void
/** npm install in the app unless the installed adapter is the packed tarball. */
export declare function installApp(): void
/** `next build` unless the last build had the same inputs. */
export declare function buildApp(): void
/** packAdapter, installApp and buildApp. */
export declare function prepareExample(): void
