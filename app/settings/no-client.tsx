/** What a Client's page shows a person who belongs to no Client (their Account page still works). */
export function NoClient() {
  return (
    <div className="rounded-lg bg-white p-6 text-slate-700 shadow-sm ring-1 ring-slate-200" data-testid="no-client">
      You are not a member of any Client yet. Ask an Owner to invite you. Your account (password, signing out everywhere) is under Account.
    </div>
  );
}
