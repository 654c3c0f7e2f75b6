interface Props {
  caption: string;
  classNames: string[];
  /** confusion[trueClass][predictedClass] */
  confusion: number[][];
}

/** Rows are the true class, columns the predicted one; the diagonal is right. */
export function ConfusionMatrix({ caption, classNames, confusion }: Props) {
  const max = Math.max(1, ...confusion.flat());
  return (
    <table className="confusion">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">true ↓ / predicted →</th>
          {classNames.map((name) => (
            <th key={name} scope="col">
              {name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {confusion.map((row, r) => (
          <tr key={classNames[r]}>
            <th scope="row">{classNames[r]}</th>
            {row.map((count, c) => (
              <td
                key={classNames[c]}
                className={r === c ? 'right' : 'wrong'}
                style={{ '--share': count / max } as React.CSSProperties}
              >
                {count}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
