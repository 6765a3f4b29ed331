export function Logo() {
  return (
    <span className="inline-flex items-center gap-2 text-xl font-bold text-brand-700">
      <span aria-hidden="true" className="grid h-9 w-9 place-items-center rounded-lg bg-brand-600 text-white">D</span>
      Dolfin
    </span>
  );
}
