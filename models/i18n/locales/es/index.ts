// The Spanish catalogue: one file per area of the app, each file's content under its name
// ("nodes.json" holds the keys "nodes.*"). Translators edit the JSON files, not this one.
import analysis from './analysis.json';
import app from './app.json';
import common from './common.json';
import deploy from './deploy.json';
import errors from './errors.json';
import evalrec from './evalrec.json';
import events from './events.json';
import files from './files.json';
import fleet from './fleet.json';
import importNs from './import.json';
import labels from './labels.json';
import learn from './learn.json';
import live from './live.json';
import nodes from './nodes.json';
import power from './power.json';
import problems from './problems.json';
import recordings from './recordings.json';
import report from './report.json';
import reportPage from './reportPage.json';
import size from './size.json';
import storage from './storage.json';
import training from './training.json';
import verdict from './verdict.json';

export default { analysis, app, common, deploy, errors, evalrec, events, files, fleet, import: importNs, labels, learn, live, nodes, power, problems, recordings, report, reportPage, size, storage, training, verdict };
