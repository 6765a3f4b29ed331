"use client";
import { Button } from "./button";

/** The "Load more" button under a keyset-paginated list. */
export function LoadMore({ visible, pending, onClick }: { visible: boolean; pending: boolean; onClick: () => void }) {
  if (!visible) return null;
  return (
    <div className="mt-4 flex justify-center">
      <Button variant="secondary" onClick={onClick} pending={pending}>
        Load more
      </Button>
    </div>
  );
}
