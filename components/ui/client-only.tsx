"use client";
import { useSyncExternalStore, type ReactNode } from "react";

const subscribe = () => () => {};

/** Renders children only in the browser (locale- and time-zone-dependent text), a fallback on the server. */
export function ClientOnly({ children, fallback = null }: { children: ReactNode; fallback?: ReactNode }) {
  const mounted = useSyncExternalStore(subscribe, () => true, () => false);
  return mounted ? children : fallback;
}
