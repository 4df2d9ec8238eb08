// npm run migrate-store -- --from <sqlite file> --to <postgres url>
import { migrateStoreCli } from '../store/migrate-store.js'

process.exitCode = await migrateStoreCli(process.argv.slice(2), (line) => process.stderr.write(line + '\n'))
