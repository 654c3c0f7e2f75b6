import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { formatTime } from '../components/format';
import { decimal, metricOf, modelLabel, percent, useModels } from './queries';

/** Every model version: architecture, data, key metrics, stage; two can be picked for a comparison. */
export function ModelsPage() {
  const models = useModels();
  const navigate = useNavigate();
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
