import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { onTrainingEvent, usePollInterval } from '../app/live-events';
import { formatTime } from '../components/format';
import { LineChart } from './LineChart';
import { ProgressBar } from './ProgressBar';
import {
  ACTIVE_STATUSES,
  datasetLabel,
  type FindingCardDto,
  formatDuration,
  modelLabel,
  round3,
  type TrainingProgressDto,
} from './training-types';

interface StepPoint {
  step: number;
  loss: number | null;
  accuracy: number | null;
  learningRate: number | null;
}

/** The training steps' running loss, accuracy and rate, as the progress events bring them. */
function useStepPoints(jobId: string, initial: TrainingProgressDto | undefined): StepPoint[] {
  const [points, setPoints] = useState<StepPoint[]>([]);
  const add = (progress: TrainingProgressDto | undefined) => {
    if (!progress || progress.phase !== 'training' || progress.globalStep === undefined) return;
    const point: StepPoint = {
      step: progress.globalStep,
      loss: progress.loss ?? null,
      accuracy: progress.accuracy ?? null,
      learningRate: progress.learningRate ?? null,
    };
    setPoints((current) =>
      current.length > 0 && current[current.length - 1].step >= point.step
        ? current
        : [...current, point].slice(-2000),
    );
  };
  const addRef = useRef(add);
  addRef.current = add;
  useEffect(() => {
    addRef.current(initial);
  }, [initial]);
  useEffect(
    () =>
      onTrainingEvent((event) => {
        if (event.jobId === jobId) addRef.current(event.progress);
      }),
    [jobId],
  );
  return points;
}

/** One training job, live: progress, curves, checklist cards, log tail, cancel. */
export function TrainingJobPage() {
  const { id = '' } = useParams();
  const poll = usePollInterval();
  const client = useQueryClient();
  const job = useQuery({
    queryKey: ['training-job', id],
    queryFn: () => unwrap(api.GET('/api/v1/training-jobs/{id}', { params: { path: { id } } })),
    refetchInterval: (query) =>
      query.state.data && !ACTIVE_STATUSES.has(query.state.data.status) ? false : poll,
  });
  const [confirming, setConfirming] = useState(false);
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/training-jobs/{id}/cancel', { params: { path: { id } } })),
    onSuccess: () => {
      setConfirming(false);
      void client.invalidateQueries({ queryKey: ['training-job', id] });
      void client.invalidateQueries({ queryKey: ['training-jobs'] });
    },
  });
  const steps = useStepPoints(id, job.data?.progress);
  const epochs = job.data?.epochs;
  const stepCharts = useMemo(
    () => ({
      xs: steps.map((p) => p.step),
      loss: [{ label: 'train loss (running)', values: steps.map((p) => p.loss), color: '#cf222e' }],
      accuracy: [
        { label: 'train accuracy (running)', values: steps.map((p) => p.accuracy), color: '#1a7f37' },
      ],
      lr: [{ label: 'learning rate', values: steps.map((p) => p.learningRate), color: '#0969da' }],
    }),
    [steps],
  );
  const epochCharts = useMemo(() => {
    const rows = epochs ?? [];
    const metric = (key: string) =>
      rows.map((e) => (e.metrics as Record<string, number | undefined>)[key] ?? null);
    return {
      xs: rows.map((e) => e.epoch),
      loss: [
        { label: 'train loss', values: metric('trainLoss'), color: '#cf222e' },
        { label: 'validation loss', values: metric('valLoss'), color: '#8250df' },
      ],
      accuracy: [
        { label: 'train accuracy', values: metric('trainAccuracy'), color: '#1a7f37' },
        { label: 'validation accuracy', values: metric('valAccuracy'), color: '#9a6700' },
      ],
    };
  }, [epochs]);

  if (job.isPending) return <p className="loading">Loading…</p>;
  if (job.isError)
    return (
      <p role="alert" className="error">
        {job.error.message}
      </p>
    );
  const data = job.data;
  const p = data.progress;
  const active = ACTIVE_STATUSES.has(data.status);
  return (
    <section aria-labelledby="job-title" className="training-job">
      <p>
        <Link to="/training">← All training jobs</Link>
      </p>
      <h1 id="job-title">
        {modelLabel(data)} on {datasetLabel(data)}{' '}
        <span className={`badge status-${data.status}`} data-testid="job-status">
          {data.status}
        </span>
      </h1>
      {data.error && (
        <p role="alert" className="error">
          {data.error}
        </p>
      )}
      <ProgressBar percent={p.percent} label="Progress of the job" />
      <dl className="facts" data-testid="job-progress">
        <div>
          <dt>Phase</dt>
          <dd>{p.phase ?? '—'}</dd>
        </div>
        <div>
          <dt>Epoch</dt>
          <dd data-testid="job-epoch">{p.epoch ? `${p.epoch} / ${p.epochs ?? '?'}` : '—'}</dd>
        </div>
        <div>
          <dt>Step</dt>
          <dd>
            {p.globalStep !== undefined
              ? `${p.globalStep} / ${p.totalSteps ?? '?'}`
              : p.step !== undefined
                ? `${p.step} / ${p.stepsPerEpoch ?? '?'}`
                : '—'}
          </dd>
        </div>
        <div>
          <dt>Images/s</dt>
          <dd>{p.imagesPerSecond !== undefined ? round3(p.imagesPerSecond) : '—'}</dd>
        </div>
        <div>
          <dt>Time left</dt>
          <dd>{active ? formatDuration(p.etaSeconds) : '—'}</dd>
        </div>
        <div>
          <dt>Elapsed</dt>
          <dd>{formatDuration(p.elapsedSeconds)}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{formatTime(data.startedAt)}</dd>
        </div>
        <div>
          <dt>Checkpoint</dt>
          <dd data-testid="job-checkpoint">
            {data.status === 'succeeded'
              ? 'removed (model registered)'
              : data.checkpointKey
                ? 'kept (resumable)'
                : 'none yet'}
          </dd>
        </div>
      </dl>
      {data.modelVersionId && (
        <p>
          Model version: <code>{data.modelVersionId}</code>
        </p>
      )}
      {active && (
        <div className="cancel-box">
          {!confirming ? (
            <button type="button" onClick={() => setConfirming(true)}>
              Cancel training
            </button>
          ) : (
            <div role="alertdialog" aria-labelledby="cancel-question" className="confirm">
              <p id="cancel-question">
                Stop this training? The computation stops within seconds; the last completed epoch&apos;s
                checkpoint is kept.
              </p>
              <button
                type="button"
                className="danger"
                onClick={() => cancel.mutate()}
                disabled={cancel.isPending}
              >
                Yes, stop it
              </button>{' '}
              <button type="button" onClick={() => setConfirming(false)}>
                Keep training
              </button>
            </div>
          )}
          {cancel.isError && (
            <p role="alert" className="error">
              {cancel.error.message}
            </p>
          )}
        </div>
      )}

      <h2>Curves</h2>
      <div className="charts" data-testid="step-charts">
        <LineChart title="Loss per step (live)" xLabel="step" xs={stepCharts.xs} series={stepCharts.loss} />
        <LineChart
          title="Accuracy per step (live)"
          xLabel="step"
          xs={stepCharts.xs}
          series={stepCharts.accuracy}
        />
        <LineChart
          title="Learning rate per step (live)"
          xLabel="step"
          xs={stepCharts.xs}
          series={stepCharts.lr}
        />
      </div>
      <div className="charts" data-testid="epoch-charts">
        <LineChart title="Loss per epoch" xLabel="epoch" xs={epochCharts.xs} series={epochCharts.loss} />
        <LineChart
          title="Accuracy per epoch"
          xLabel="epoch"
          xs={epochCharts.xs}
          series={epochCharts.accuracy}
        />
      </div>

      <h2>Checklist</h2>
      {data.findings.length === 0 ? (
        <p className="empty">
          No finding yet: the checklist runs before training and reads the curves after.
        </p>
      ) : (
        <div className="finding-cards" data-testid="finding-cards">
          {data.findings.map((finding, index) => (
            <FindingCard key={`${finding.check}-${index}`} finding={finding} />
          ))}
        </div>
      )}

      <h2 id="log-title">Log</h2>
      <pre className="log-tail" tabIndex={0} aria-labelledby="log-title" data-testid="log-tail">
        {data.logTail || '(empty)'}
      </pre>
    </section>
  );
}

const STATUS_WORDS = { pass: 'Passed', warn: 'Warning', fail: 'Failed' } as const;

function FindingCard({ finding }: { finding: FindingCardDto }) {
  return (
    <article className={`finding finding-${finding.status}`} data-check={finding.check}>
      <h3>
        <span className={`badge finding-status-${finding.status}`}>{STATUS_WORDS[finding.status]}</span>{' '}
        {finding.title}
      </h3>
      <dl>
        <div>
          <dt>Measured</dt>
          <dd>{finding.measured}</dd>
        </div>
        <div>
          <dt>Expected</dt>
          <dd>{finding.expected}</dd>
        </div>
        <div>
          <dt>What it means</dt>
          <dd>{finding.meaning}</dd>
        </div>
        <div>
          <dt>What to do</dt>
          <dd>{finding.action}</dd>
        </div>
        <div>
          <dt>The run</dt>
          <dd>{finding.outcome}</dd>
        </div>
      </dl>
      <p className="muted">
        <code>{finding.check}</code>: {finding.message}
      </p>
    </article>
  );
}
