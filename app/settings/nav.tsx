"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";

export function SettingsNav({ items }: { items: { href: string; label: string }[] }) {
  const path = usePathname();
  return (
    <nav aria-label="Settings" className="flex flex-wrap gap-1">
      {items.map((i) => {
        const active = path === i.href;
        return (
          <Link
            key={i.href}
            href={i.href}
            aria-current={active ? "page" : undefined}
            className={`whitespace-nowrap rounded-md px-2.5 py-2 text-sm sm:px-3 font-medium focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-600 ${
              active ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900"
            }`}
          >
            {i.label}
          </Link>
        );
      })}
    </nav>
  );
}
