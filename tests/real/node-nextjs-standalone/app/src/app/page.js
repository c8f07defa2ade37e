export const revalidate = 60;

export default function Home() {
  return <main>Storefront</main>;
}
