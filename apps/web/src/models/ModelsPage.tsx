import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { canManageModels, useSession } from '../app/session';
import { formatTime } from '../components/format';
import { decimal, metricOf, modelLabel, percent, useImportModel, useModels } from './queries';

/** Every model version: architecture, data, key metrics, stage; two can be picked for a comparison. */
export function ModelsPage() {
  const models = useModels();
  const navigate = useNavigate();
  const session = useSession();
  const role = session.data?.user.role;
  const [picked, setPicked] = useState<string[]>([]);
  if (models.isPending) return <p>Loading…</p>;
  if (models.isError)
    return (
      <p role="alert" className="error">
        {models.error.message}
      </p>
    );
  const toggle = (id: string) =>
    setPicked((current) =>
      current.includes(id) ? current.filter((x) => x !== id) : [...current, id].slice(-2),
    );
  return (
    <section aria-labelledby="models-title">
      <h1 id="models-title">Models</h1>
      <p className="muted">
        Every registered version, newest first. Tick two versions to compare them side by side.
      </p>
      <p>
        <button
          type="button"
          className="primary"
          disabled={picked.length !== 2}
          onClick={() => void navigate(`/models/compare?a=${picked[0]}&b=${picked[1]}`)}
        >
          Compare selected ({picked.length}/2)
        </button>
      </p>
      {role && canManageModels(role) && <ImportModelForm />}
      {models.data.length === 0 ? (
        <p className="empty">No model version yet: launch a training to register one.</p>
      ) : (
        <table className="models-table">
          <caption className="sr-only">Model versions</caption>
          <thead>
            <tr>
              <th scope="col">Compare</th>
              <th scope="col">Version</th>
              <th scope="col">Stage</th>
              <th scope="col">Architecture</th>
              <th scope="col">Data</th>
              <th scope="col">Accuracy</th>
              <th scope="col">ROC AUC</th>
              <th scope="col">PR AUC</th>
              <th scope="col">Sent to review</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {models.data.map((model) => {
              const quantization = (model.metrics as { quantization?: { accuracyChangePoints?: number } })
                .quantization;
              return (
                <tr key={model.id} data-testid={`model-row-${model.id}`}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Compare ${modelLabel(model)}`}
                      checked={picked.includes(model.id)}
                      onChange={() => toggle(model.id)}
                    />
                  </td>
                  <td>
                    <Link to={`/models/${model.id}`}>{modelLabel(model)}</Link>
                    {quantization && <span className="badge">int8</span>}
                  </td>
                  <td>
                    <span className={`badge stage-${model.stage}`}>{model.stage}</span>
                    {model.shadow && <span className="badge">shadow</span>}
                  </td>
                  <td>
                    {model.architecture} {model.inputSize[0]}×{model.inputSize[1]}
                  </td>
                  <td>
                    {model.classNames.join(', ')}
                    {metricOf(model, 'testCount') !== null && (
                      <span className="muted"> · {metricOf(model, 'testCount')} test images</span>
                    )}
                    {model.datasetFingerprint && (
                      <span className="muted" title={model.datasetFingerprint}>
                        {' '}
                        · data {model.datasetFingerprint.slice(0, 8)}
                      </span>
                    )}
                  </td>
                  <td>{percent(metricOf(model, 'accuracy'))}</td>
                  <td>{decimal(metricOf(model, 'rocAuc'))}</td>
                  <td>{decimal(metricOf(model, 'prAuc'))}</td>
                  <td>{percent(metricOf(model, 'testReviewRate'))}</td>
                  <td>{formatTime(model.createdAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A model folder trained with `npm run train`, inside the training roots, registered as a candidate by a job. */
function ImportModelForm() {
  const navigate = useNavigate();
  const importModel = useImportModel();
  const [folder, setFolder] = useState('');
  const [name, setName] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    importModel.mutate(
      { path: folder.trim(), name: name.trim() },
      { onSuccess: (job) => void navigate(`/training/${job.id}`) },
    );
  };
  return (
    <details className="import-model">
      <summary>Import a model trained with the CLI…</summary>
      <form onSubmit={submit} aria-label="Import a model folder">
        <p className="muted">
          The folder <code>npm run train</code> wrote (<code>&lt;out&gt;/objects/models/&lt;name&gt;</code>),
          inside the training data roots. A trainer checks every file against its manifest, then registers a
          candidate.
        </p>
        <label htmlFor="import-path">Model folder</label>
        <input
          id="import-path"
          value={folder}
          required
          placeholder="runs/objects/models/tiles-resnet10"
          onChange={(event) => setFolder(event.target.value)}
        />
        <label htmlFor="import-name">Name</label>
        <input id="import-name" value={name} required onChange={(event) => setName(event.target.value)} />
        <button
          type="submit"
          className="primary"
          disabled={importModel.isPending || !folder.trim() || !name.trim()}
        >
          Import
        </button>
        {importModel.isError && (
          <p role="alert" className="error">
            {importModel.error.message}
          </p>
        )}
      </form>
    </details>
  );
}
